"""Where sheetnet's files go, and when a file already there may be replaced.

The guarantee: nothing a person has is lost. A file sheetnet writes (a workbook, a worked
solution, a network file, a class's CSV) is written whole under a temporary name beside its
destination and moved into place only when complete; what is at the destination is replaced
only when

- nothing is there, or
- it is a file sheetnet wrote and that nobody changed since: its *seal* still matches its bytes, or
- the user said `--force` (and then a symbolic link itself is replaced, never what it points to).

A seal is a SHA-256 digest of every byte sheetnet wrote, kept in the file itself: a workbook's
in its zip archive's comment (which every other program drops when it saves), a text file's in
its last line. The digest is bound to the content, so a seal (or a document property) copied onto
another file, or left in a file saved again by Excel, LibreOffice or openpyxl, does not match it.
No secret is involved: the seal protects a person's work from being overwritten by mistake, not
from someone who recomputes it on purpose for a file of their own.

A folder, a device, a pipe or a socket is never an output, and is refused before anything opens it.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import os
import stat
import struct
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sheetnet import archive
from sheetnet.errors import OutputError

SEAL_PREFIX = b"sheetnet-sha256:"  # then the 64 hex digits of the digest
WORKBOOK_MARK = "sheetnet"  # a workbook's custom document property: sheetnet wrote it
SEALED_BYTES = 512 * 2**20  # a larger file is none of sheetnet's (its largest workbook is tens of MiB)
_END_RECORD = b"PK\x05\x06"  # a zip archive's End Of Central Directory record: 22 bytes and the comment
_END_RECORD_SIZE = 22
_SEAL_SIZE = len(SEAL_PREFIX) + 64
_READ = 1 << 20
_SEAL_LINE = 256  # bytes at the end of a text file that hold its seal line (`<!-- sheetnet-sha256:… -->`)
_PROPERTIES_BYTES = 1_000_000  # docProps/custom.xml of sheetnet's is under a kilobyte

_EXTENSION = {"workbook": "xlsx", "network file": "toml", "CSV file": "csv", "solution": "md", "page": "html"}


class State(enum.Enum):
    """What is at an output's path, as far as replacing it goes."""

    UNCHANGED = "a file sheetnet wrote, unchanged since"
    CHANGED = "a file sheetnet wrote, changed since"
    FOREIGN = "a file sheetnet did not write"


def one_line(text: str) -> str:
    """`text` on one line, every control character shown as an escape (`\\n`, `\\x1b`): a name
    read from a workbook or typed by a user can neither start a new line (a new TOML key, a forged
    message line) nor move the terminal's cursor."""
    out = []
    for char in text:
        if char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 32 or 127 <= ord(char) < 160 or char in "\u2028\u2029":
            out.append(f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


# ------------------------------------------------------------------------------------- seals


def _digest(handle, length: int) -> str:
    """SHA-256 of the first `length` bytes of an open file, read in bounded pieces."""
    digest = hashlib.sha256()
    handle.seek(0)
    while length > 0:
        piece = handle.read(min(_READ, length))
        if not piece:
            break
        digest.update(piece)
        length -= len(piece)
    return digest.hexdigest()


def seal_workbook(filename: str) -> None:
    """Seal a workbook just written: the digest of all its bytes but the comment's length becomes
    the zip archive's comment. The archive (written by Python's zipfile) has no comment yet."""
    with open(filename, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(size - _END_RECORD_SIZE)
        record = handle.read(_END_RECORD_SIZE)
        if not record.startswith(_END_RECORD) or record[-2:] != b"\0\0":
            return  # not the archive expected: left unsealed, so never replaced without --force
        seal = SEAL_PREFIX + _digest(handle, size - 2).encode()
        handle.seek(size - 2)
        handle.write(struct.pack("<H", len(seal)) + seal)


def _claims_sheetnet(archive: zipfile.ZipFile) -> bool:
    """The workbook carries sheetnet's document property (every program's save keeps it)."""
    try:
        info = archive.getinfo("docProps/custom.xml")
        return info.file_size <= _PROPERTIES_BYTES and f'name="{WORKBOOK_MARK}"'.encode() in archive.read(info)
    except KeyError:
        return False


def workbook_state(path: Path) -> State:
    """UNCHANGED if the workbook's seal matches its bytes; CHANGED if its seal does not, or if it
    has none but says sheetnet wrote it (`WORKBOOK_MARK`: a document property every save keeps);
    else FOREIGN. Only a regular file is read, and its zip directory only once sized (`archive`)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return State.FOREIGN
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            end = size - _SEAL_SIZE - _END_RECORD_SIZE
            if 0 <= end and size <= SEALED_BYTES:
                handle.seek(end)
                record = handle.read(_END_RECORD_SIZE + _SEAL_SIZE)
                seal = record[_END_RECORD_SIZE:]
                if (
                    record.startswith(_END_RECORD)
                    and struct.unpack("<H", record[20:22])[0] == _SEAL_SIZE
                    and seal.startswith(SEAL_PREFIX)
                ):
                    unchanged = seal[len(SEAL_PREFIX) :] == _digest(handle, size - _SEAL_SIZE - 2).encode()
                    return State.UNCHANGED if unchanged else State.CHANGED
        listed = archive.directory(path)
        if listed is None or not listed.fits:  # no workbook sheetnet could have written
            return State.FOREIGN
        with zipfile.ZipFile(path) as opened:
            return State.CHANGED if _claims_sheetnet(opened) else State.FOREIGN
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, EOFError, struct.error):
        return State.FOREIGN


def written_by_sheetnet(path: Path) -> bool:
    """True if `path` is a workbook sheetnet wrote and nobody changed since: its seal matches its bytes."""
    return workbook_state(path) is State.UNCHANGED


def sealed_text(text: str, comment: str) -> str:
    """`text` with a last line that seals it: `comment` (`<!-- {} -->`, `% {}`) around the digest
    of every byte before that line."""
    if not text.endswith("\n"):
        text += "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return text + comment.format(SEAL_PREFIX.decode() + digest) + "\n"


def text_state(path: Path, mark: bytes) -> State:
    """UNCHANGED if the text file's last line seals the rest; else CHANGED if its first 4 KiB
    carry `mark` (what every file of this kind sheetnet writes begins with), else FOREIGN. The
    file is read in bounded pieces, never whole."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return State.FOREIGN
        with path.open("rb") as handle:
            head = handle.read(4096)
            size = info.st_size
            if size <= SEALED_BYTES:
                handle.seek(max(0, size - _SEAL_LINE))
                tail = handle.read()
                if tail.endswith(b"\n"):
                    last = tail[:-1].rpartition(b"\n")[2]
                    body = size - len(last) - 1
                    at = last.find(SEAL_PREFIX)
                    if (
                        at >= 0
                        and last[at + len(SEAL_PREFIX) : at + len(SEAL_PREFIX) + 64] == _digest(handle, body).encode()
                    ):
                        return State.UNCHANGED
    except OSError:
        return State.FOREIGN
    return State.CHANGED if mark in head else State.FOREIGN


# ------------------------------------------------------------------------- the file at --out


def check_target(
    path: Path, force: bool, *, what: str = "workbook", state: Callable[[Path], State] | None = None
) -> os.stat_result | None:
    """Refuse an output sheetnet may not replace; return what is there now (None: nothing).

    Only a regular file, or nothing, can become an output: a folder, a device, a pipe are refused
    before anything opens them. A symbolic link, dangling or not, and a file that is not one
    sheetnet wrote and nobody changed since (`state` says which; without it, any file) are
    replaced only with `force`."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (creating its folder will say why not)
        return None
    except OSError as exc:
        raise OutputError(f"cannot use {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path} is a folder; give a file name such as {path / f'sheetnet.{_EXTENSION[what]}'}")
    if stat.S_ISLNK(info.st_mode):
        if not force:
            raise OutputError(
                f"{path} is a symbolic link; not replacing it (choose another name, or add --force to "
                f"replace the link, not what it points to, with the {what})"
            )
        return info
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path} is not a regular file (a device, a pipe or a socket); the {what} cannot go there")
    if force:
        return info
    if state is None:
        raise OutputError(f"{path} exists; not replacing it (choose another name, or add --force)")
    found = state(path)
    if found is State.CHANGED:
        raise OutputError(
            f"{path} was changed since sheetnet wrote it; not replacing it "
            "(choose another --out, or add --force to replace it)"
        )
    if found is State.FOREIGN:
        raise OutputError(
            f"{path} exists and was not written by sheetnet; not replacing it "
            "(choose another --out, or add --force to replace it)"
        )
    return info


def check_extension(path: Path, extensions: Sequence[str], what: str) -> None:
    """Refuse an output whose name does not end in one of `extensions` (`.xlsx`): it would be
    written under a name that says it is something else."""
    if path.suffix.lower() not in extensions:
        name = path.name if path.name not in ("", ".", "..") else "out"
        better = path.with_name((path.stem if path.suffix else name) + extensions[0])
        raise OutputError(f"{path}: a {what}'s name ends in {' or '.join(extensions)}: use {better}")


@contextlib.contextmanager
def replaced_atomically(
    path: Path, before: os.stat_result | None, force: bool, *, seal: Callable[[str], None] | None = None
) -> Iterator[str]:
    """A temporary file beside `path` to write, sealed (`seal`) and put in its place when the block
    ends (if what is at `path` is still `before`, see `_put_in_place`), removed if the block fails.
    A write the system refuses (a full disk, a quota, a read-only folder) is one OutputError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {path.parent}: {exc.strerror or exc}") from None
    try:  # a short name of its own: the user's may already be as long as the system allows
        fd, temporary = tempfile.mkstemp(prefix=".sheetnet-", suffix=path.suffix[:8], dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in the folder {path.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield temporary
        if seal is not None:
            seal(temporary)
        chmod_like_new_file(temporary)
        _put_in_place(temporary, path, before, force)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        refused = _refused_write(exc)
        if refused is not None:
            _close_archives_left_open(exc)
            raise OutputError(f"cannot write {path}: {refused.strerror or refused}") from None
        raise


def _refused_write(exc: BaseException) -> OSError | None:
    """The OSError of a write the system refused: the error itself, or the one XlsxWriter wraps
    in its FileCreateError. Ctrl-C and SIGTERM are never taken for one."""
    if isinstance(exc, OSError):
        return exc
    if isinstance(exc, Exception) and exc.args and isinstance(exc.args[0], OSError):
        return exc.args[0]
    return None


def _close_archives_left_open(exc: BaseException) -> None:
    """Close the zip archives a failed write left open in its frames (those of the error and of
    the errors it wraps): closed later by the garbage collector they would try to write again
    and print a traceback nobody can act on."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return
        frame_tb = seen.__traceback__
        while frame_tb is not None:
            for value in list(frame_tb.tb_frame.f_locals.values()):
                if isinstance(value, zipfile.ZipFile):
                    with contextlib.suppress(Exception):
                        value.close()
                    value.fp = None
            frame_tb = frame_tb.tb_next
        seen = seen.__cause__ or seen.__context__


def _identity(info: os.stat_result | None) -> tuple[int, ...] | None:
    return None if info is None else (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _put_in_place(temporary: str, path: Path, before: os.stat_result | None, force: bool) -> None:
    """Move the finished file to `path`, unless a file appeared there, or the one there changed,
    since the run began: then keep it beside that file and say where (exit 2)."""
    if force:
        os.replace(temporary, path)
        return
    if before is None:  # nothing was there: link, which never replaces what appeared meanwhile
        try:
            os.link(temporary, path)
        except FileExistsError:
            _keep_aside(temporary, path, "appeared while sheetnet was running")
        except OSError:  # a file system without hard links
            if os.path.lexists(path):
                _keep_aside(temporary, path, "appeared while sheetnet was running")
            os.replace(temporary, path)
        else:
            os.unlink(temporary)
        return
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        now = None
    if _identity(now) != _identity(before):
        _keep_aside(
            temporary, path, "changed while sheetnet was running" if now else "was removed while sheetnet was running"
        )
    os.replace(temporary, path)


def _keep_aside(temporary: str, path: Path, what: str) -> None:
    """Keep the finished file under a new name beside `path`, and refuse (OutputError)."""
    for n in range(1, 100):
        name = f"{path.stem} (sheetnet {n}){path.suffix}"
        if len(name.encode()) > 255:
            name = f"sheetnet {n}{path.suffix}"
        aside = path.with_name(name)
        try:
            os.link(temporary, aside)
        except FileExistsError:
            continue
        except OSError:
            if os.path.lexists(aside):
                continue
            os.replace(temporary, aside)
        else:
            os.unlink(temporary)
        raise OutputError(f"{path} {what}; not replacing it: the file is in {aside}")
    raise OutputError(f"{path} {what}; not replacing it, and no free name beside it to keep the file")


def write_text_atomically(path: Path, text: str, before: os.stat_result | None, force: bool) -> None:
    """Write `text` to `path` whole or not at all, under the rules of `_put_in_place`."""
    with replaced_atomically(path, before, force) as temporary:
        Path(temporary).write_text(text, encoding="utf-8", newline="")


def chmod_like_new_file(path: str) -> None:
    """mkstemp makes files private (0600); give the file the usual permissions instead."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_text(path: Path, text: str) -> None:
    """Write `path` whole or not at all (a temporary file beside it, moved into place unless a file
    appeared there meanwhile); the caller has checked the target (`check_target`)."""
    write_text_atomically(path, text, path.lstat() if os.path.lexists(path) else None, force=False)
