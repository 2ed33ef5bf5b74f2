"""Downloads: an export kept anywhere (a persistent disk) is handed to Gradio as a private temp copy."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playground.ui.session import downloadable


def test_an_export_outside_the_allowed_folders_is_served_from_a_temp_copy(tmp_path: Path) -> None:
    export = tmp_path / "exports" / "brief-demo.html"
    export.parent.mkdir()
    export.write_text("<html>brief</html>")
    served = Path(downloadable(export))
    assert served.name == "brief-demo.html" and served.read_text() == "<html>brief</html>"
    assert served.is_relative_to(tempfile.gettempdir()) and served.parent != export.parent
    assert Path(downloadable(export)).parent != served.parent, "each download gets its own folder"
