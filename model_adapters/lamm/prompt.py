"""LAMM's prompt text and token layout, as pure functions (no torch).

A LAMM input is ``<s>`` + ``"### Human: <Img>"`` + the visual embeddings + ``"</Img> " + prompt + "\\n###
Assistant:"``; each text segment is tokenized on its own (SentencePiece adds a word-boundary ``▁`` to each), exactly
as the reference's ``prepare_generation_embedding`` and training ``prompt_wrap`` do. For a choice request the
assistant turn ``assistant_prefix + template(option) + "\\n###"`` is one more, supervised, segment, and the option's
tokens are found in it by ChEF's rule (:func:`locate_option`: the first run of the option's tokens, ``d01093c``; or
the last ones before ``"\\n###"``, HEAD). ``prompt`` is built from the request by :func:`user_prompt`, ``system +
"### Human: " + text + "\\n"``, for both protocols: the paper protocol follows the inference code that produced the
published tables (``OpenGVLab/LAMM@97cdc1c``, ``inference_2d.py`` / ``inference_3d.py``
``generate_conversation_text``; the 2D form ``system + "\\n\\nHuman: " + text + "\\n###"`` of ``3085eef`` came with
``af99e98``, after every published number), the ChEF protocol ``d01093c``'s ``test_lamm.py``. Tags: the paper-era 3D
inference never set ``vision_type``, so the reference wrapped point-cloud tokens in ``<Img>``/``</Img>`` (training
used ``<Pcl>``); the paper protocol sends ``<Img>`` for 3D too, ChEF (``lamm_3d.yaml: vision_type: pcl``) sends
``<Pcl>`` (:func:`tag_modality`).
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


OPTION_RULES = ("first", "last")
"""Where an option's tokens are found in its answer turn: ``first`` -- the first run of ``encode(option)`` in the
answer's tokens (``d01093c``/``e3117c0`` ``test_lamm.do_ppl``, the ChEF leaderboard's code), or ``last`` -- the
last ``len(encode(option))`` tokens before the trailing ``"\n###"`` (HEAD ``ea57136``, from ``80aee14``)."""


def locate_option(encode: Encode, answer: str, option: str, rule: str) -> tuple[int, int, bool]:
    """``(start, end, exact)``: the option's token span inside ``encode(answer + "\n###")`` by ``rule``, and
    whether those tokens equal ``encode(option)``.

    ``first`` with no run of the option's tokens anywhere in the answer (the reference's assert, e.g. a ``{}``
    template right after a CoT's newline, where ``"\n(A"`` has no ``"▁("``) falls back to ``last``, not exact.
    """
    option_ids = list(encode(option))
    answer_ids = list(encode(answer + ANSWER_END))
    if rule == "first":
        template_ids = list(encode(answer))
        n = len(option_ids)
        for start in range(len(template_ids) - n + 1):
            if n and template_ids[start : start + n] == option_ids:
                return start, start + n, True
    # The trailing "\n###" is whatever the answer's own tokenization does not share with the full segment
    # (two tokens for LLaMA: <0x0A> and ###); the option ends right before it.
    body = _common_prefix(encode(answer), answer_ids) if answer else 0
    start = max(0, body - len(option_ids))
    return start, body, rule == "last" and answer_ids[start:body] == option_ids


@dataclass(frozen=True)
class ChoiceLayout:
    """One choice request's sequences: a shared prefix (``<s>``, head, visual slots, the human turn) and, per option,
    the supervised answer segment and the option's token span in it."""

    prefix: TokenLayout
    """Everything up to ``"\n### Assistant:"`` (no labels): identical for every option, token for token."""
    answers: tuple[tuple[int, ...], ...]
    """Per option: ``encode(answer + "\n###")``, the answer turn tokenized on its own."""
    spans: tuple[tuple[int, int], ...]
    """Per option: ``[start, end)`` of the scored tokens within its answer."""
    exact: tuple[bool, ...]
    """Per option: whether the scored tokens are ``encode(option)`` itself (see :func:`locate_option`)."""

    def full(self, k: int) -> TokenLayout:
        """Option ``k`` as one whole sequence (the naive path, and the reference's row), ``option_span`` in it."""
        p, answer = self.prefix, self.answers[k]
        offset = p.length
        start, end = self.spans[k]
        return TokenLayout(before=p.before, n_visual=p.n_visual, after=p.after + answer,
                           labels=p.labels + answer, option_span=(offset + start, offset + end))  # fmt: skip


def choice_layouts(
    encode: Encode, bos_id: int, human: str, answers: Sequence[str], options: Sequence[str], *, modality: str,
    n_visual: int, rule: str = "first", head: str = "",
) -> ChoiceLayout:  # fmt: skip
    """The layout of a choice request: the two-turn training sequence of each option with its answer supervised.

    Args:
        encode: Segment tokenizer.
        bos_id: Id of ``<s>``.
        human: The human turn (from :func:`choice_prompt`).
        answers: Per option, the assistant turn (``assistant_prefix`` + the filled option template).
        options: The option texts whose tokens are scored.
        modality: ``image`` or ``point_cloud``.
        n_visual: Number of visual tokens.
        rule: ``first`` or ``last`` (:data:`OPTION_RULES`).
        head: Text before ``"### Human: <Img>"`` in the head segment (ChEF's ICL system message; ``""`` else).
    """
    tail = tuple(encode(tail_text(human, modality)))
    before = (bos_id, *encode(head + head_text(modality)))
    prefix = TokenLayout(before=before, n_visual=n_visual, after=tail, labels=(IGNORE,) * len(tail))
    located = [locate_option(encode, answer, option, rule) for answer, option in zip(answers, options)]
    return ChoiceLayout(prefix, tuple(tuple(encode(a + ANSWER_END)) for a in answers),
                        tuple((s, e) for s, e, _ in located), tuple(x for _, _, x in located))  # fmt: skip


def choice_layout(
    encode: Encode, bos_id: int, human: str, answer: str, option: str, *, modality: str, n_visual: int,
    rule: str = "last",
) -> tuple[TokenLayout, bool]:  # fmt: skip
    """One option's whole sequence (:meth:`ChoiceLayout.full`) and whether its scored tokens are the option's own.

    Args:
        encode: Segment tokenizer.
        bos_id: Id of ``<s>``.
        human: The human turn (from :func:`choice_prompt`).
        answer: The assistant turn.
        option: The option text whose tokens are scored.
        modality: ``image`` or ``point_cloud``.
        n_visual: Number of visual tokens.
        rule: ``first`` or ``last`` (:data:`OPTION_RULES`).
    """
    layout = choice_layouts(encode, bos_id, human, [answer], [option], modality=modality, n_visual=n_visual, rule=rule)
    return layout.full(0), layout.exact[0]


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut generated text before the first occurrence of any stop string."""
    cut = len(text)
    for stop in stops:
        if stop:
            at = text.find(stop)
            if at != -1:
                cut = min(cut, at)
    return text[:cut]
