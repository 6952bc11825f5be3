"""LAMM's 3D task system messages and instruction texts, verbatim, per era.

System messages: paper era from ``OpenGVLab/LAMM`` ``src/datasets/system_msg.py`` (stored version at commit
``83fbcb14c33d60fbfcc287e83a1a62a06d842596``, the paper-era benchmark code beside ``common_eval_3d.py``); ChEF era
from ``src/ChEF/scenario/lamm_sysmsg.py`` (stored version at ``a37628914ce56ee458207dc1350464d457032320``). They
differ in two places: grounding boxes are ``[x1, y1, z1, length, width, height]`` in the paper era and
``[x, y, z, length, width, height]`` in ChEF, and the paper-era VQA message misspells "questioon". Both typos
and the leading/trailing newlines are kept on purpose: the model was tuned on these texts.
"""

from __future__ import annotations

_MULTIMODAL = (
    "You are a multimodal language model. You are able to understand the visual content that the user provides, "
    "and assist the user with a variety of tasks using natural language.\n"
)
_BOX_MEANING = (
    "with floating numbers in unit of meters. These values correspond to the center x, center y, center z, "
    "bounding box length, bounding box width and bounding box height. To generate accurate answers, you must be "
    "able to understand the content of point clouds and comprehend the meaning of questions.\n"
)

DETECTION3D_SYS = (
    "\n" + _MULTIMODAL + "You are now performing an object detection task, and your goal is to locate all instances "
    "of objects in a point cloud, such as furniture, transportations, or other objects, and give the corresponding "
    "coordinates. These coordinates are in the form of bounding boxes, represented as (x1, y1, z1, length, width, "
    "height) " + _BOX_MEANING
)
"""3D detection system message (identical in both eras)."""


def _vg3d(box_form: str) -> str:
    return (
        "\n" + _MULTIMODAL + "You are now performing an visual grounding task, and your goal is to locate the "
        "instances of objects I want with the given description in a point cloud, such as furniture, or other "
        "objects, and give the corresponding coordinates. These coordinates are in the form of bounding boxes, "
        f"represented as {box_form} " + _BOX_MEANING
    )


VG3D_SYS_PAPER = _vg3d("[x1, y1, z1, length, width, height]")
"""3D grounding system message, paper era."""
VG3D_SYS_CHEF = _vg3d("[x, y, z, length, width, height]")
"""3D grounding system message, ChEF era."""


def _vqa3d(question: str) -> str:
    return (
        "\n" + _MULTIMODAL + f"You are now performing an visual {question} and answering task, and your goal is to "
        "generate natural language answers that accurately solve the question. In order to generate accurate "
        "answers to questions about visual content, you must be able to understand the content of point cloud, "
        "understand the meaning of questions, and perform complex reasoning processes.\n"
    )


VQA3D_SYS_PAPER = _vqa3d("questioon")
"""3D VQA system message, paper era (with its typo)."""
VQA3D_SYS_CHEF = _vqa3d("question")
"""3D VQA system message, ChEF era."""

DETECTION3D_QS = "Identify all the objects in the point cloud and provide their positions. "
DETECTION3D_INS = (
    "Your answer needs to give the object name and the bounding box of the object. The bounding box should be "
    "represented as [x1, y1, z1, length, width, height] with floating numbers in unit of meters. These values "
    "correspond to the center x, center y, center z, bounding box length, bounding box width and bounding box "
    "height. "
)
VG3D_QS = "Locate the object described by the given caption. "
