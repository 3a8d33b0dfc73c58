"""Without the kokoro package (it does not install on Python 3.13): 'auto' speaks on onnx and says so
once; --runtime torch is one error naming what to install."""
import logging
import sys
import types

import pytest
from typer.testing import CliRunner

from podcaster import models
from podcaster.cli import app
from podcaster.errors import ModelError
from podcaster.speech import kokoro, load_tts, runtimes

from conftest import DEMO_FEEDS


@pytest.fixture
def no_kokoro(monkeypatch):
    """`import kokoro` fails, as where it is not installed; the log's 'once' starts afresh."""
    monkeypatch.setitem(sys.modules, "kokoro", None)
    monkeypatch.setattr(runtimes, "_told", set())


@pytest.fixture
def torch_is_the_faster(monkeypatch):
    """A CPU that multiplies bf16 natively, with Kokoro's torch weights at hand: 'auto' would take torch."""
    monkeypatch.setattr(kokoro, "native_bf16", lambda: True)
    monkeypatch.setattr(models, "hub_is_cached", lambda name, *a: True)


def told(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == runtimes.__name__ and "TTS runtime: onnx" in r.getMessage()]


def test_the_import_really_fails(no_kokoro):
    with pytest.raises(ImportError):
        import kokoro  # noqa: F401


def test_auto_speaks_on_onnx_without_kokoro_and_says_so_once(no_kokoro, torch_is_the_faster, caplog):
    caplog.set_level(logging.INFO)
    assert [runtimes.auto_runtime(None, "cpu") for _ in range(3)] == ["onnx"] * 3
    [record] = told(caplog)
    assert record.levelno == logging.INFO
    assert "kokoro package" in record.getMessage() and "pip install 'podcaster-daily[gpu]'" in record.getMessage()


def test_auto_on_a_gpu_without_kokoro_warns_once_that_speech_runs_on_the_cpu(no_kokoro, monkeypatch, caplog):
    monkeypatch.setattr(models, "hub_is_cached", lambda name, *a: True)
    caplog.set_level(logging.INFO)
    assert runtimes.auto_runtime(None, "cuda") == runtimes.auto_runtime(None, "cuda") == "onnx"
    [record] = told(caplog)
    assert record.levelno == logging.WARNING and "on the CPU" in record.getMessage()


def test_on_python_3_13_the_log_says_which_pythons_have_the_torch_runtime(no_kokoro, torch_is_the_faster,
                                                                          monkeypatch, caplog):
    monkeypatch.setattr(runtimes, "sys", types.SimpleNamespace(version_info=(3, 13, 0)))
    caplog.set_level(logging.INFO)
    assert runtimes.auto_runtime(None, "cpu") == "onnx"
    [record] = told(caplog)
    assert "does not install on Python 3.13" in record.getMessage()
    assert "use Python 3.11 or 3.12 and pip install 'podcaster-daily[gpu]'" in record.getMessage()


def test_a_broken_kokoro_install_is_taken_for_none(torch_is_the_faster, tmp_path, monkeypatch, caplog):
    """Installed (found) but failing on import, as when one of its own dependencies is missing."""
    (tmp_path / "kokoro").mkdir()
    (tmp_path / "kokoro" / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'misaki'\")\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "kokoro", raising=False)
    monkeypatch.setattr(runtimes, "_told", set())
    caplog.set_level(logging.INFO)
    assert runtimes.auto_runtime(None, "cpu") == "onnx"
    [record] = told(caplog)
    assert "cannot be imported (ModuleNotFoundError: No module named 'misaki')" in record.getMessage()


def test_auto_still_takes_torch_where_kokoro_imports(torch_is_the_faster, monkeypatch, caplog):
    pytest.importorskip("kokoro")
    monkeypatch.setattr(runtimes, "_told", set())
    caplog.set_level(logging.INFO)
    assert runtimes.auto_runtime(None, "cpu") == "torch"
    assert told(caplog) == []


def test_runtime_torch_without_kokoro_is_one_error_naming_what_to_install(no_kokoro, tmp_path, monkeypatch):
    monkeypatch.setattr(runtimes, "sys", types.SimpleNamespace(version_info=(3, 12, 0)))   # the same on 3.13
    with pytest.raises(ModelError) as error:
        load_tts(str(tmp_path), "torch", "cpu")
    assert error.value.exit_code == 6
    assert str(error.value) == ("the torch runtime cannot run: the kokoro package it needs is not installed; "
                                "pip install 'podcaster-daily[gpu]', or use --runtime onnx")


def test_daily_runtime_torch_without_kokoro_exits_6_with_one_line(no_kokoro, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["daily", "--feeds", str(DEMO_FEEDS), "--out", str(out),
                                      "--runtime", "torch", "--tts", str(tmp_path)])
    assert result.exit_code == 6, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "pip install 'podcaster-daily[gpu]'" in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.glob("*.mp3"))
