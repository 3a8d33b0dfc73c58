"""User-facing errors: each kind carries the exit code the README documents.

The CLI prints `error: <message>` on one line and exits with the code; anything
that is not a PodcasterError is a bug and exits 1.
"""
import re


class PodcasterError(Exception):
    exit_code = 1


class UsageError(PodcasterError):
    """A flag or option value that cannot work (e.g. --minutes 0)."""
    exit_code = 2


class FeedsError(PodcasterError):
    """The feeds list is missing, empty or has a line that is neither URL nor file."""
    exit_code = 3


class NoStoriesError(PodcasterError):
    """No feed could be fetched, or they held no stories."""
    exit_code = 4


class PresetError(PodcasterError):
    """An unknown or malformed voice or style preset."""
    exit_code = 5


class ModelError(PodcasterError):
    """A model that cannot be found, loaded, or run on the chosen device."""
    exit_code = 6


class OutputError(PodcasterError):
    """The output folder cannot be created or written."""
    exit_code = 7


class GenerationError(PodcasterError):
    """The LLM or TTS could not produce a usable script or audio."""
    exit_code = 8


def model_fault(error: BaseException, what: str, device: str) -> GenerationError | None:
    """A model that ran out of memory or hit a GPU error while running, as the error the user sees and
    what to do about it; None for anything else (that is a bug, and keeps its traceback)."""
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, MemoryError) or re.search(r"(?i)out of memory|can't allocate memory", text):
        asked = re.search(r"(?i)tried to allocate [\d.]+ ?\w+", text)
        return GenerationError(f"{what} ran out of memory on {device} ({asked[0] if asked else text[:120]}); "
                               f"free memory, or use a smaller model or fewer --minutes")
    if "CUDA" in text or type(error).__name__ == "AcceleratorError":
        return GenerationError(f"{what} hit a GPU error ({text[:160]}); check the GPU (nvidia-smi), "
                               f"or run with --device cpu")
    return None


class MediaError(PodcasterError):
    """A sting, music bed or artwork file that is missing or not usable."""
    exit_code = 9


class ProfileError(PodcasterError):
    """A profile (TOML) or subscription list (OPML) that cannot be read as one."""
    exit_code = 10


class BusyError(PodcasterError):
    """Another run holds the lock, or the history database is locked."""
    exit_code = 11


class ScriptFileError(PodcasterError):
    """A script file for `podcaster speak` that is malformed, names no host of the script or cites no story."""
    exit_code = 12


# The README's exit-code table is generated from this list (tests check they agree).
EXIT_CODES = [
    (0, "Episode made, today's episode already exists (reused), or nothing new to tell."),
    (1, "Internal error: a bug; please report it with the log."),
    (UsageError.exit_code, "Bad flag value, e.g. `--minutes 0` or an unknown `--device`."),
    (FeedsError.exit_code, "Feeds list missing, empty, or a line that is neither a URL nor an existing file."),
    (NoStoriesError.exit_code, "No feed could be fetched or parsed, or the feeds held no stories."),
    (PresetError.exit_code, "Unknown or malformed voice or style preset."),
    (ModelError.exit_code, "A model is not installed or cannot load, or `--device cuda` without a GPU."),
    (OutputError.exit_code, "The output folder or the data folder (history, logs, lock) cannot be created or written."),
    (GenerationError.exit_code, "The LLM or TTS could not produce a usable script or audio."),
    (MediaError.exit_code, "A sting, music bed or artwork file is missing, unreadable, or not audio/an image."),
    (ProfileError.exit_code,
     "The profile is not valid TOML, has an unknown key or a wrong value; or an OPML file is not OPML."),
    (BusyError.exit_code,
     "Another `podcaster daily` is running (only one at a time), or the history database is locked."),
    (ScriptFileError.exit_code,
     "A script given to `podcaster speak` is malformed, names someone who is not a host, or tells no story."),
    (130, "Interrupted (Ctrl-C or SIGTERM); temp files are removed and nothing is published."),
]
