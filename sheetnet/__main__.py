"""The `sheetnet` command (`python -m sheetnet`, and the script pip installs)."""

from sheetnet import collector


def main() -> None:
    """The command line, its imports made with the garbage collector paused (`sheetnet.collector`)."""
    collector.pause()
    from sheetnet.cli import main as command_line  # after the pause: it imports click and the rest

    command_line(prog_name="sheetnet")


if __name__ == "__main__":
    main()
