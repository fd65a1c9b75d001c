"""Recalculate workbooks in a LibreOffice that is already running, through its Python bridge.

    python3 lo_convert.py PIPE OUTDIR forced|kept WORKBOOK...

Run by the system's Python (LibreOffice's `uno` module is built for it, not for a virtual
environment), so it imports nothing of sheetnet. For each workbook it does what `soffice
--convert-to xlsx` does: load it, recalculate every formula if `forced` (as a profile that forces
recalculation on loading makes soffice do; `kept` leaves the values it was saved with), and save
it as OUTDIR/<stem>.xlsx with the same filter. Exit 0 when every
file is written, 1 otherwise (the caller then starts soffice as sheetnet does).
"""

import sys
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

CONNECT_SECONDS = 60  # a LibreOffice just started takes a few seconds to listen; a busy machine longer


def _property(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _desktop(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main(pipe, outdir, forced, workbooks):
    desktop = _desktop(pipe)
    for workbook in workbooks:
        source = Path(workbook)
        document = desktop.loadComponentFromURL(source.as_uri(), "_blank", 0, (_property("Hidden", True),))
        try:
            if forced:
                document.calculateAll()
            target = Path(outdir) / (source.stem + ".xlsx")
            document.storeToURL(target.as_uri(), (_property("FilterName", "Calc MS Excel 2007 XML"),))
        finally:
            document.close(True)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2], sys.argv[3] == "forced", sys.argv[4:])
    except Exception as exc:  # any failure: the caller falls back to soffice
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
