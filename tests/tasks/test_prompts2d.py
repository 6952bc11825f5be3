"""The 2D system messages and instruction texts equal the LAMM reference's, character for character.

The hashes are SHA-256 of the strings in ``OpenGVLab/LAMM`` ``src/datasets/system_msg.py`` (paper era), checked
against the reference text when the module was written; any edit to a message (a stripped trailing space, a fixed
typo) fails here.
"""

import hashlib

import pytest

from lamm_bench.tasks import prompts2d

REFERENCE_SHA256 = {
    "DETECTION_SYS": "74454d1329ef7c4834b3b7e6e571630c9aceca19d65dca801c6318cb2c0478f7",
    "DETECTION_QS": "b90579417dc78e680086e68e61eb08b9934ad31619385fe7547af254ca7fdcf6",
    "DETECTION_INS": "708384a1f5b2a182943cbdb1e1da49b61ed811b9181b3dd9449c79cb769c5771",
    "CLASSIFICATION_SYS": "dc6f3642ccdd8eec38df0d1b4bee2a460e9e8dc93a3009df72583872115b0fc4",
    "CLASSIFICATION_QS": "c4cf5e5bf18c952167938d1bfe403004f90c1116f5713df76c39e15332341c08",
    "VQA_SYS": "ae7bc16ad952efbcab4d94cef88f73039fcd4f6358601768a267fd412af01f7f",
    "FG_CLASSIFICATION_SYS": "d73e592d7dc655fdeb3cf0f43815b6fee609d81c0ed3204371ddd90f678922e3",
    "FG_CLASSIFICATION_QS": "61a47237cdb12e75c2b2489afe5827f6c24c2c55c4bb4510fc7d3cb4135896cb",
    "CNT_SYS": "71f84a2b628ac17ee98330bf9b154b3382d60f69cfc7f6886ffbc349dc92c3e8",
    "CNT_QA": "ac510c436c4825f41775e942b1ee9335d2bad46dd9288e0121fe8e0dd223071c",
    "CNT_INS": "4b95fe3acfca6f57c086658f82c079d4188aa2875e227065ca79832e8bc794a1",
    "OCR_SYS": "30318001de41a0fca4b796dfb4fd4e941a9c2a0cc5994a1f189a413661afb2f1",
    "OCR_QA": "230c9091339a92261ff14642744cfc850fad61332efa6038972ed0b04c41eadf",
    "OCR_INS": "6bff4c164a49beaa821d3d3d4b39c218a42a291d000a1f9a86155fadd6ee29a6",
    "CAPTION_SYS": "d452a87683f03c13abb9267ed4265adbb6a32ab2fb2ee0553f514041d7f981e1",
    "CAPTION_QS": "0a0ffbbf23081c7bce8d2e6444ef921a7f045e0e88f6a7309caff193cd74e4ea",
    "FFC_SYS": "334966e893be4f51ac672c4f99c1063e030d888d6b1360aaa357b9d304868964",
    "LOCATING_SYS": "c0e1e00548ec75a1501c48e576b70dbe61446934114f55feddae8a6cd5d8832c",
    "LOCATING_QS": "b90579417dc78e680086e68e61eb08b9934ad31619385fe7547af254ca7fdcf6",
    "LOCATING_INS": "d03dde8e5c66d1c3ada425dbe6b469d73130ccd93280323cfc33d8e2bb9a802b",
    "KEYPOINTS_DET_SYS": "4fd201130bcc007cb0304e7efbdf5fd02a5d2a497f7c2e38ab0794d3e77c37c7",
    "KEYPOINTS_DET_QS": "87619e058ed0c5eb8e2f50089e1dde17fee2936985e7e103a481f0d1a97a98a0",
    "KEYPOINTS_DET_INS": "98471bc045a4071042eb3bfbb445363b5f9418324ff703fc9a50126044c0fa50",
    "HUMANLOCATING_SYS": "4fd201130bcc007cb0304e7efbdf5fd02a5d2a497f7c2e38ab0794d3e77c37c7",
}


@pytest.mark.parametrize("name", sorted(REFERENCE_SHA256))
def test_message_is_verbatim(name):
    assert hashlib.sha256(getattr(prompts2d, name).encode()).hexdigest() == REFERENCE_SHA256[name]


def test_known_quirks_are_kept():
    assert prompts2d.CAPTION_SYS.startswith("\nYou are an AI assistant that specializes in OCR")
    assert "human's questions. \nAs an AI assistant" in prompts2d.VQA_SYS  # trailing space before the newline
    assert "human's questions.\nAs an AI assistant" in prompts2d.CNT_SYS  # ... and none here
