"""Tests of the ``openai`` adapter against a real HTTP server on 127.0.0.1, run in its own process."""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lamm_bench import registry
from lamm_bench.adapter import Adapter
from lamm_bench.errors import UserError
from lamm_bench.model_adapters.openai import impl
from lamm_bench.model_adapters.openai import OpenAIAdapter, public_url
from lamm_bench.records import GenerationSettings, Request

sys.path.insert(0, str(Path(__file__).parent))
import tiny_hf  # noqa: E402

SERVER = Path(__file__).with_name("fake_openai_server.py")
KEY = "sk-test-d0n0tl3ak-7f3a9c"


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Start the fake server; yield its base URL; stop it. Bounded waits everywhere."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    port_file = tmp_path / "port"
    env = {"FAKE_EXPECTED_KEY": KEY, "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([sys.executable, str(SERVER), "--port-file", str(port_file), "--delay", "0.1"], env=env)
    try:
        for _ in range(200):
            if port_file.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert port_file.exists(), "fake server did not start"
        yield f"http://127.0.0.1:{port_file.read_text()}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def stats(base_url: str) -> dict:
    with urllib.request.urlopen(base_url.replace("/v1", "/stats"), timeout=5) as answer:
        return json.loads(answer.read())


def _adapter(base_url: str, model: str = "echo", **args: str) -> OpenAIAdapter:
    adapter = OpenAIAdapter({"base_url": base_url, "model": model, "backoff": "0.01", **args})
    adapter.load()
    return adapter


def _request(text: str, images=(), **kw) -> Request:
    kw.setdefault("generation", GenerationSettings(max_new_tokens=32, stop=("###",)))
    return Request(sample_id=text, kind="generate", system="You are LAMM.", text=text, images=tuple(images), **kw)


def test_registered_without_choice():
    assert registry.adapters()["openai"] == "lamm_bench.model_adapters.openai:OpenAIAdapter"
    adapter = OpenAIAdapter({"base_url": "http://127.0.0.1:9/v1", "model": "m"})
    assert isinstance(adapter, Adapter)
    assert "choice" not in adapter.capabilities and "generate" in adapter.capabilities
    with pytest.raises(UserError, match="cannot score choices"):
        adapter.score_choices([_request("x")])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"model": "m"}, "base_url=URL"),
        ({"base_url": "http://h/v1"}, "model=NAME"),
        ({"base_url": "localhost:8000", "model": "m"}, "http://"),
        ({"base_url": "http://h/v1", "model": "m", "concurrency": "0"}, "concurrency >= 1"),
        ({"base_url": "http://h/v1", "model": "m", "api_key": "sk"}, "has no argument 'api_key'"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(UserError, match=message):
        OpenAIAdapter(args)


def test_answers_in_order_with_images_and_system_turn(server, tmp_path):
    image = tiny_hf.write_image(tmp_path / "a.png", (255, 0, 0))
    requests = [_request(f"question {i}", images=[image] * (i % 3)) for i in range(7)]
    responses = _adapter(server).generate(requests)
    assert [r.text for r in responses] == [f"echo[question {i}] images={i % 3}" for i in range(7)]  # cut at ###
    assert all(r.error is None and r.n_tokens == 7 for r in responses)
    body = next(b for b in stats(server)["bodies"] if b["messages"][1]["content"][-1]["text"] == "question 2")
    assert body["messages"][0] == {"role": "system", "content": "You are LAMM."}
    parts = body["messages"][1]["content"]
    assert [p["type"] for p in parts] == ["image_url", "image_url", "text"]
    assert parts[0]["image_url"]["url"] == impl.image_data_url(image, sample_id="x")
    assert parts[0]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    assert (body["model"], body["max_tokens"], body["temperature"], body["stop"]) == ("echo", 32, 0.0, ["###"])
    assert stats(server)["auth_ok"] == 7 and stats(server)["auth_bad"] == 0


def test_concurrency_limit_is_respected(server):
    responses = _adapter(server, concurrency="3").generate([_request(f"c{i}") for i in range(12)])
    assert all(r.error is None for r in responses)
    observed = stats(server)["max_in_flight"]
    assert 2 <= observed <= 3  # several requests overlap, never more than the limit


def test_429_is_retried_then_succeeds(server):
    responses = _adapter(server, model="flaky").generate([_request("r1"), _request("r2")])
    assert [r.text for r in responses] == ["echo[r1] images=0", "echo[r2] images=0"]
    assert stats(server)["attempts"] == {"r1": 2, "r2": 2}


def test_permanent_failure_becomes_response_error(server):
    responses = _adapter(server, model="down", max_retries="2").generate([_request("p1"), _request("p2")])
    for response in responses:
        assert response.text == ""
        assert response.error == "HTTP 500: the model crashed (after 3 attempts)"
    assert stats(server)["attempts"] == {"p1": 3, "p2": 3}


def test_key_never_written_or_logged(server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    adapter = _adapter(server, model="down", max_retries="1")
    responses = adapter.generate([_request("k1")]) + _adapter(server).generate([_request("k2")])
    responses += _adapter(server, model="leaky").generate([_request("k3")])
    assert stats(server)["auth_ok"] == 4  # the key was sent, so its absence below means something
    assert responses[-1].error == "HTTP 400: bad header Bearer ***"  # not retried, and scrubbed
    out = tmp_path / "out"
    out.mkdir()
    (out / "describe.json").write_text(json.dumps(adapter.describe()))
    (out / "responses.jsonl").write_text("\n".join(json.dumps(dataclasses.asdict(r)) for r in responses))
    (out / "repr.txt").write_text(repr(adapter) + str(vars(adapter.config)))
    for written in out.iterdir():
        assert KEY not in written.read_text()
    assert caplog.records, "retries and the failure are logged"
    for record in caplog.records:
        assert KEY not in record.getMessage()


def test_wrong_key_fails_at_load_without_showing_it(server, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-wrong-123456")
    with pytest.raises(UserError, match=r"rejected the API key from \$MY_KEY: HTTP 401") as info:
        _adapter(server, api_key_env="MY_KEY")
    assert "sk-wrong-123456" not in str(info.value)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_server():
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(UserError, match="is not reachable"):
        _adapter(url)
    adapter = _adapter(url, check_server="false", max_retries="2")
    [response] = adapter.generate([_request("u1")])
    assert response.error.startswith("connection error") and response.error.endswith("(after 3 attempts)")


def test_assistant_prefix_is_continued_or_dropped(server):
    request = _request("pre", assistant_prefix="The answer is")
    _adapter(server).generate([request])
    _adapter(server, continue_final_message="false").generate([request])
    first, second = stats(server)["bodies"]
    assert first["messages"][-1] == {"role": "assistant", "content": "The answer is"}
    assert first["continue_final_message"] is True and first["add_generation_prompt"] is False
    assert second["messages"][-1]["role"] == "user" and "continue_final_message" not in second


def test_chat_body_decoding_settings():
    sampled = _request("s", generation=GenerationSettings(max_new_tokens=5, do_sample=True, temperature=0.7,
                                                          top_p=0.9, stop=("a", "", "b", "c", "d", "e")))
    body = impl.chat_body(sampled, "m", [])
    assert (body["temperature"], body["top_p"], body["stop"], body["seed"]) == (0.7, 0.9, ["a", "b", "c", "d"], 0)
    assert impl.chat_body(sampled, "m", [], temperature=0.0)["temperature"] == 0.0
    assert "system" not in json.dumps(impl.chat_body(dataclasses.replace(sampled, system=""), "m", []))


def test_retry_delay_and_retry_after():
    rng = random.Random(0)
    assert impl.retry_delay(3, 2.5, base=1.0, cap=60.0, rng=rng) == 2.5  # the server's wish wins
    assert impl.retry_delay(0, 10_000.0, base=1.0, cap=60.0, rng=rng) == impl.RETRY_AFTER_CEILING
    for attempt, ceiling in ((0, 1.0), (1, 2.0), (3, 8.0), (10, 60.0)):
        delays = [impl.retry_delay(attempt, None, base=1.0, cap=60.0, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert impl.parse_retry_after("7", now) == 7.0
    assert impl.parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert impl.parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert impl.parse_retry_after("soon", now) is None and impl.parse_retry_after(None) is None


def test_describe_hides_credentials_in_url():
    adapter = OpenAIAdapter({"base_url": "https://user:pw@api.example.com:8443/v1/?key=abc", "model": "m"})
    assert adapter.describe() == {
        "base_url": "https://api.example.com:8443/v1", "model": "m", "temperature": None,
        "continue_final_message": True,
    }
    assert public_url("http://localhost:8000/v1") == "http://localhost:8000/v1"


def test_missing_image_names_the_sample(server, tmp_path):
    with pytest.raises(UserError, match=r"sample 'img'.*cannot read image"):
        _adapter(server).generate([Request(sample_id="img", kind="generate", system="", text="t",
                                           images=(str(tmp_path / "none.png"),))])
