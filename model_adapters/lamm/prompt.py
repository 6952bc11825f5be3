"""LAMM's prompt text and token layout, as pure functions (no torch).

A LAMM input is ``<s>`` + ``"### Human: <Img>"`` + the visual embeddings + ``"</Img> " + prompt +
"\\n### Assistant:"``; each text segment is tokenized on its own (SentencePiece adds a word-boundary ``▁`` to
each), exactly as the reference's ``prepare_generation_embedding`` and training ``prompt_wrap`` do. For a
choice request the assistant turn ``assistant_prefix + option + "\\n###"`` is one more, supervised, segment,
and the option's tokens are the last ``len(encode(option))`` supervised tokens before the trailing
``"\\n###"`` (ChEF's PPL rule). ``prompt`` is built from the request by :func:`user_prompt`,
``system + "### Human: " + text + "\\n"``, for both protocols: the paper protocol follows the inference code that
produced the published tables (``OpenGVLab/LAMM@97cdc1c``, ``inference_2d.py`` / ``inference_3d.py``
``generate_conversation_text``; the 2D form ``system + "\\n\\nHuman: " + text + "\\n###"`` of ``3085eef`` came
with ``af99e98``, after every published number), the ChEF protocol ``d01093c``'s ``test_lamm.py``. Tags:
the paper-era 3D inference never set ``vision_type``, so the reference wrapped point-cloud tokens in
``<Img>``/``</Img>`` (training used ``<Pcl>``); the paper protocol sends ``<Img>`` for 3D too, ChEF
(``lamm_3d.yaml: vision_type: pcl``) sends ``<Pcl>`` (:func:`tag_modality`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Encode = Callable[[str], Sequence[int]]
"""Tokenize one text segment without special tokens (SentencePiece ``encode``)."""

IGNORE = -100
"""Label of a position that is not scored."""
VISION_TAGS = {"image": ("<Img>", "</Img>"), "point_cloud": ("<Pcl>", "</Pcl>")}
"""Plain-text tags around the visual tokens (not special tokens)."""
SEPARATOR = "###"
ANSWER_END = "\n###"
"""What every assistant turn ends with in training, hence the end of a scored option."""


LAYOUT_VERSION = "2"
"""Version of the prompt text and token layout, part of the adapter's fingerprint: bump it whenever what the model
sees changes, so stored answers of the old layout are never reused (2: the ``97cdc1c`` paper-era 2D form and
``<Img>`` tags for paper-protocol 3D)."""


def user_prompt(system: str, text: str) -> str:
    """The prompt string LAMM's inference scripts pass to the model for one request.

    Both protocols build it the same way: ``generate_conversation_text`` with no history, in the paper-era
    ``inference_2d.py``/``inference_3d.py`` (``97cdc1c``) and in ChEF's ``test_lamm.py`` (``d01093c``).

    Args:
        system: The task's system message (verbatim, usually starting and ending with a newline).
        text: The user query.

    Returns:
        The prompt that goes between ``"</Img> "`` and ``"\\n### Assistant:"``.
    """
    return f"{system}{SEPARATOR} Human: {text}\n"


def choice_prompt(system: str, text: str, *, style: str) -> str:
    """The human turn of a scored (choice) request.

    ChEF's PPL inferencer passes only the question as the human turn (no system message, no ``### Human:``
    wrapper), so ``chef`` does the same; ``paper`` (which had no choice scoring) reuses the generation prompt.
    """
    if style == "chef":
        return text
    return user_prompt(system, text)


def tag_modality(modality: str, style: str) -> str:
    """Whose tags wrap the visual tokens: the model's modality, except under the paper protocol, whose 3D
    inference (``inference_3d.py`` at ``97cdc1c``, launched by ``LAMM_3D_Evaluation.sh``) passed no
    ``--vision_type``, so ``LAMMPEFTModel`` kept its default ``"image"`` and sent ``<Img>``/``</Img>``."""
    return "image" if style == "paper" else modality


def head_text(modality: str) -> str:
    """The text between ``<s>`` and the visual tokens."""
    return f"{SEPARATOR} Human: {VISION_TAGS[modality][0]}"


def tail_text(prompt: str, modality: str) -> str:
    """The text right after the visual tokens, ending the human turn."""
    return f"{VISION_TAGS[modality][1]} {prompt}\n{SEPARATOR} Assistant:"


@dataclass(frozen=True)
class TokenLayout:
    """One input sequence: ``before`` ids, ``n_visual`` embedding slots, then ``after`` ids."""

    before: tuple[int, ...]
    """``<s>`` and the head text ids."""
    n_visual: int
    """Number of visual embedding positions."""
    after: tuple[int, ...]
    """Ids after the visual tokens (human-turn tail, then the assistant text if any)."""
    labels: tuple[int, ...]
    """One label per ``after`` id: the id where it is supervised (assistant answer), else ``IGNORE``."""
    option_span: tuple[int, int] | None = None
    """``[start, end)`` positions of the scored option tokens in the full sequence (choice only)."""

    @property
    def length(self) -> int:
        """Total sequence length, visual positions included."""
        return len(self.before) + self.n_visual + len(self.after)

    def full_ids(self, visual_id: int = IGNORE) -> list[int]:
        """The whole sequence with ``visual_id`` standing in for each visual position."""
        return [*self.before, *([visual_id] * self.n_visual), *self.after]

    def full_labels(self) -> list[int]:
        """Labels aligned with :meth:`full_ids` (everything before ``after`` is ``IGNORE``)."""
        return [IGNORE] * (len(self.before) + self.n_visual) + list(self.labels)


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def generation_layout(
    encode: Encode, bos_id: int, prompt: str, *, modality: str, n_visual: int, assistant_prefix: str = ""
) -> TokenLayout:
    """The layout of a generation input.

    Args:
        encode: Segment tokenizer.
        bos_id: Id of ``<s>``.
        prompt: From :func:`user_prompt`.
        modality: ``image`` or ``point_cloud``.
        n_visual: Number of visual tokens.
        assistant_prefix: Text the assistant turn starts with; tokenized as its own segment, like every
            assistant turn in LAMM's training data, and continued by the model.

    Returns:
        The layout (all labels ``IGNORE``).
    """
    after = list(encode(tail_text(prompt, modality)))
    if assistant_prefix:
        after += list(encode(assistant_prefix))
    before = (bos_id, *encode(head_text(modality)))
    return TokenLayout(before=before, n_visual=n_visual, after=tuple(after), labels=(IGNORE,) * len(after))


def choice_layout(
    encode: Encode, bos_id: int, human: str, answer: str, option: str, *, modality: str, n_visual: int
) -> tuple[TokenLayout, bool]:
    """The layout of one scored option: the two-turn training sequence with the answer supervised.

    Args:
        encode: Segment tokenizer.
        bos_id: Id of ``<s>``.
        human: The human turn (from :func:`choice_prompt`).
        answer: The assistant turn (``assistant_prefix + option``).
        option: The option text whose tokens are scored.
        modality: ``image`` or ``point_cloud``.
        n_visual: Number of visual tokens.

    Returns:
        The layout with ``option_span`` set, and whether the span's ids equal ``encode(option)`` (False when
        the option tokenizes differently inside the answer; the reference stops in a debugger there, we
        score the located span anyway).
    """
    tail = list(encode(tail_text(human, modality)))
    answer_ids = list(encode(answer + ANSWER_END))
    # The trailing "\n###" is whatever the answer's own tokenization does not share with the full segment
    # (two tokens for LLaMA: <0x0A> and ###); the option ends right before it.
    body = _common_prefix(encode(answer), answer_ids) if answer else 0
    option_ids = list(encode(option))
    start_in_answer = max(0, body - len(option_ids))
    before = (bos_id, *encode(head_text(modality)))
    offset = len(before) + n_visual + len(tail)
    layout = TokenLayout(
        before=before,
        n_visual=n_visual,
        after=tuple(tail + answer_ids),
        labels=(IGNORE,) * len(tail) + tuple(answer_ids),
        option_span=(offset + start_in_answer, offset + body),
    )
    return layout, answer_ids[start_in_answer:body] == option_ids


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut generated text before the first occurrence of any stop string."""
    cut = len(text)
    for stop in stops:
        if stop:
            at = text.find(stop)
            if at != -1:
                cut = min(cut, at)
    return text[:cut]
