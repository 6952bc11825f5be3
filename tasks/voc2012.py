"""VOC2012 object detection (``Detection_VOC2012.json``), paper and ChEF protocols.

Paper (``@3085eef detection_eval``): the table's "mAP" is a recall -- a ground-truth object counts when its label
is synonym-matched anywhere in the answer (first-synset WordNet matcher) and *any* box parsed from the answer
(``[...]`` then ``(...)`` numbers, digit fallback, corner swap) has IoU > 0.5; it is reported as
``recall_reference@0.5``. Beside it, honest one-to-one recall/precision/F1 at IoU 0.5 and 0.25, without and with
the category ("with category" = the label matched anywhere in the answer, since free text does not tie labels to
boxes). And ``ap@0.5``, a COCO-style AP (as ``pycocotools`` COCOeval computes AP at IoU 0.5, area "all", 100
detections per image), category-agnostic like ``recall@0.5`` (every GT object and every box is of one class):
text answers carry no confidence, so the k-th box of an answer (from 0, in parsing order) scores ``1 / (k + 1)``;
equal ranks in different answers are pooled in sample order (COCOeval: image-id order). Each sample's COCO
matching is kept in its ``parsed["ap@0.5"]`` (``tp``/``fp``/``ignored`` per kept box, and the GT count).
ChEF (``@d01093c LAMM_Detection``): the structured sentence parser (box + category template per sentence,
inverted boxes dropped) and Kuhn matching at IoU >= 0.5 and 0.25 with the VOC synonym matcher; its headline
``recall@0.50`` is ``recall_with_category@0.5``. Answers with no box (the reference crashes on a file without
any) score nothing and count as unparsed. ChEF's prompt is the record's query, as in the paper.
"""

from __future__ import annotations

from collections.abc import Sequence

from lamm_bench.metrics.detection import (
    answer_order_ap_aggregate,
    answer_order_ap_sample,
    chef_detection_aggregate,
    chef_detection_sample,
    matching_aggregate,
    matching_counts,
    paper_detection_aggregate,
    paper_detection_sample,
)
from lamm_bench.parsing.boxes import parse_bbox
from lamm_bench.parsing.chef_detection import parse_chef_detection
from lamm_bench.records import Sample, SampleScore
from lamm_bench.task import JudgeSetting, TaskSpec, ratio_of

from ._common import CHEF_DEFAULT, PAPER_2D, single_request, target_text
from ._lamm2d import unparsed_rate, values, voc_objects, voc_overlay
from .prompts2d import DETECTION_SYS

META = "2D_Benchmark/meta_file/Detection_VOC2012.json"
FIELDS = {"object": list}


def score_voc_paper(sample: Sample, prediction: str) -> SampleScore:
    """Paper ``detection_eval`` hits plus honest one-to-one matching counts for one image."""
    from lamm_bench.parsing.synonyms import paper_class_match

    objects = voc_objects(sample)
    boxes = parse_bbox(prediction)
    counts = {
        **paper_detection_sample(objects, prediction, match=paper_class_match),
        **matching_counts(objects, boxes, prediction, match=paper_class_match),
    }
    parsed = {"boxes": [list(b) for b in boxes], "ap@0.5": answer_order_ap_sample(objects, boxes, threshold=0.5)}
    return SampleScore(values=counts, parsed=parsed, unparsed=not boxes)


def aggregate_voc_paper(scores: Sequence[SampleScore]) -> dict[str, float]:
    """The paper's recall (``recall_reference@0.5``), honest P/R/F1 at 0.5 and 0.25, answer-order AP at 0.5, and the
    unparsed share."""
    rows = values(scores)
    return {
        **paper_detection_aggregate(rows),
        **matching_aggregate(rows),
        **answer_order_ap_aggregate([s.parsed["ap@0.5"] for s in scores], threshold=0.5),
        "unparsed_rate": unparsed_rate(scores),
    }


def score_voc_chef(sample: Sample, prediction: str) -> SampleScore:
    """ChEF ``LAMM_Detection`` counts for one image, with the (box, category) pairs its parser kept."""
    parsed = parse_chef_detection(prediction)
    counts = chef_detection_sample(voc_objects(sample), parsed)
    return SampleScore(
        values=counts,
        parsed={"boxes": [list(b) for b in parsed.boxes], "categories": list(parsed.categories),
                "malformed": parsed.malformed},
        unparsed=not parsed.boxes,
    )  # fmt: skip


def aggregate_voc_chef(scores: Sequence[SampleScore]) -> dict[str, float]:
    """ChEF's recall/precision with and without category at 0.5 and 0.25, and the unparsed share."""
    return {**chef_detection_aggregate(values(scores)), "unparsed_rate": unparsed_rate(scores)}


VOC2012 = TaskSpec(
    name="voc2012",
    requires=("wordnet",),
    version="2",  # 2: ap@0.5 added
    protocol="paper",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=DETECTION_SYS,
    stages=(single_request(PAPER_2D),),
    score_sample=score_voc_paper,
    aggregate=aggregate_voc_paper,
    primary_terms=ratio_of("hits", "gt"),
    paper_metric=("mAP", "recall_reference@0.5"),
    description="VOC2012 detection: LAMM 'mAP' (recall: label anywhere, any box IoU > 0.5) + honest P/R/F1 and AP",
    overlay=voc_overlay,
    judge=JudgeSetting(50, "object detection", target_text("object")),
)

VOC2012_CHEF = TaskSpec(
    name="voc2012-chef",
    requires=("wordnet",),
    version="1",
    protocol="chef",
    modality="2d",
    meta_files=(META,),
    required_fields=FIELDS,
    system_message=DETECTION_SYS,
    stages=(single_request(CHEF_DEFAULT),),
    score_sample=score_voc_chef,
    aggregate=aggregate_voc_chef,
    primary_terms=ratio_of("tp_with_category@0.5", "num_gt"),
    paper_metric=("recall@0.50", "recall_with_category@0.5"),
    description="VOC2012 detection, ChEF protocol: sentence parser, Kuhn matching, recall/precision at 0.5/0.25",
    overlay=voc_overlay,
)

TASKS = (VOC2012, VOC2012_CHEF)
