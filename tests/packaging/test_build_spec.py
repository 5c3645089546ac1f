"""build.spec, executed with stand-ins for PyInstaller: names, ids, versions, files and Qt trimming.

The spec is run as PyInstaller would run it (a script with ``Analysis``, ``EXE``... in its
globals), once per target platform, with recording fakes; PyInstaller itself is not needed.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

import therapist_desk
from therapist_desk import APP_ID, APP_NAME, __version__

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build.spec"
PACKAGE = ROOT / "therapist_desk"


class Recorded:
    """A fake PyInstaller target: remembers its arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs


class FakeAnalysis(Recorded):
    sample_binaries: ClassVar[list[tuple[str, str, str]]] = []
    sample_datas: ClassVar[list[tuple[str, str, str]]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.binaries = list(self.sample_binaries)
        self.datas = list(self.sample_datas)
        self.pure: list[Any] = []
        self.scripts: list[Any] = []


@dataclass
class SpecRun:
    namespace: dict[str, Any]
    calls: dict[str, list[Recorded]]
    collect_data_calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def one(self, name: str) -> Recorded:
        (call,) = self.calls[name]
        return call


def run_spec(
    platform: str,
    workpath: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    binaries: list[tuple[str, str, str]] | None = None,
    datas: list[tuple[str, str, str]] | None = None,
) -> SpecRun:
    calls: dict[str, list[Recorded]] = {}
    collect_data_calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def recorder(name: str, base: type[Recorded] = Recorded) -> type[Recorded]:
        def init(self: Recorded, *args: Any, **kwargs: Any) -> None:
            base.__init__(self, *args, **kwargs)
            calls.setdefault(name, []).append(self)

        return type(name, (base,), {"__init__": init})

    analysis = recorder("Analysis", FakeAnalysis)
    analysis.sample_binaries = binaries or []  # type: ignore[attr-defined]
    analysis.sample_datas = datas or []  # type: ignore[attr-defined]

    def collect_data_files(*args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        collect_data_calls.append((args, kwargs))
        return []

    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = collect_data_files  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda *args, **kwargs: []  # type: ignore[attr-defined]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec prepends the repo root
    monkeypatch.setattr(sys, "platform", platform)

    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__file__": str(SPEC),
        "SPECPATH": str(ROOT),
        "workpath": str(workpath),
        "Analysis": analysis,
        "PYZ": recorder("PYZ"),
        "EXE": recorder("EXE"),
        "COLLECT": recorder("COLLECT"),
        "BUNDLE": recorder("BUNDLE"),
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)  # noqa: S102
    return SpecRun(namespace, calls, collect_data_calls)


@pytest.fixture
def linux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SpecRun:
    return run_spec("linux", tmp_path, monkeypatch)


# --- names, ids and versions come from the package ------------------------------------------


def _spec_strings() -> list[str]:
    """Every string literal in build.spec's code (docstrings and comments left out)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_spec_repeats_no_name_id_or_version() -> None:
    strings = _spec_strings()
    assert APP_NAME not in strings
    assert not [s for s in strings if __version__ in s or APP_ID in s]


def test_names_come_from_the_package(linux: SpecRun) -> None:
    ns = linux.namespace
    assert (ns["APP_NAME"], ns["APP_ID"], ns["VERSION"]) == (APP_NAME, APP_ID, __version__)
    assert ns["EXE_NAME"] == APP_NAME.replace(" ", "") == "TherapistDesk"
    assert linux.one("EXE").kwargs["name"] == ns["EXE_NAME"]
    assert linux.one("COLLECT").kwargs["name"] == ns["EXE_NAME"]
    assert linux.one("EXE").kwargs["console"] is False
    assert linux.one("EXE").kwargs["upx"] is False
    assert "BUNDLE" not in linux.calls  # a .app only on macOS


def test_entry_point_is_the_package_main(linux: SpecRun) -> None:
    (scripts,) = linux.one("Analysis").args
    assert [Path(s) for s in scripts] == [PACKAGE / "__main__.py"]


def test_macos_bundle_and_info_plist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_spec("darwin", tmp_path, monkeypatch)
    bundle = run.one("BUNDLE").kwargs
    assert bundle["name"] == f"{APP_NAME}.app"
    assert bundle["bundle_identifier"] == APP_ID
    assert bundle["version"] == __version__
    assert Path(bundle["icon"]).suffix == ".icns" and Path(bundle["icon"]).is_file()
    assert Path(run.one("EXE").kwargs["icon"]).suffix == ".icns"
    plist = bundle["info_plist"]
    assert plist["CFBundleName"] == plist["CFBundleDisplayName"] == APP_NAME
    assert len(plist["CFBundleName"]) <= 15  # Finder truncates longer short names
    assert plist["CFBundleIdentifier"] == APP_ID
    assert plist["CFBundleShortVersionString"] == __version__
    assert re.fullmatch(r"\d+(\.\d+){0,2}", plist["CFBundleVersion"])
    assert plist["NSHighResolutionCapable"] is True
    assert plist["NSRequiresAquaSystemAppearance"] is False  # dark mode
    assert plist["LSApplicationCategoryType"] == "public.app-category.medical"
    assert re.fullmatch(r"\d+\.\d+", plist["LSMinimumSystemVersion"])
    assert int(plist["LSMinimumSystemVersion"].split(".")[0]) >= 13  # Qt 6.11's minimum
    assert "Therapist Desk developers" in plist["NSHumanReadableCopyright"]
    # Offline app: no camera, microphone, location, network... usage descriptions at all.
    assert not [key for key in plist if key.endswith("UsageDescription")]


def test_windows_exe_icon_and_version_information(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_spec("win32", tmp_path, monkeypatch)
    exe = run.one("EXE").kwargs
    assert Path(exe["icon"]).suffix == ".ico" and Path(exe["icon"]).is_file()
    version_file = Path(exe["version"])
    assert version_file.parent == tmp_path and version_file.is_file()
    info = _parse_version_file(version_file.read_text(encoding="utf-8"))
    numbers = tuple(int(n) for n in __version__.split(".")) + (0,) * (4 - len(__version__.split(".")))
    assert info["filevers"] == info["prodvers"] == numbers
    assert info["strings"]["ProductName"] == info["strings"]["FileDescription"] == APP_NAME
    assert info["strings"]["FileVersion"] == info["strings"]["ProductVersion"] == __version__
    assert info["strings"]["OriginalFilename"] == "TherapistDesk.exe"


def _parse_version_file(text: str) -> dict[str, Any]:
    """Evaluate the VSVersionInfo expression as PyInstaller does, with recording classes."""
    found: dict[str, Any] = {"strings": {}}

    def ffi(**kwargs: Any) -> dict[str, Any]:
        found.update(filevers=kwargs["filevers"], prodvers=kwargs["prodvers"])
        return kwargs

    def string_struct(key: str, value: str) -> None:
        found["strings"][key] = value

    names = {
        "VSVersionInfo": lambda **kw: kw, "FixedFileInfo": ffi, "StringFileInfo": lambda *a: a,
        "StringTable": lambda *a: a, "StringStruct": string_struct, "VarFileInfo": lambda *a: a,
        "VarStruct": lambda *a: a,
    }
    eval(compile(text, "version_info.txt", "eval"), {"__builtins__": {}}, names)
    return found


@pytest.mark.parametrize(("version", "expected"), [
    ("0.1.0", (0, 1, 0, 0)), ("1.2", (1, 2, 0, 0)), ("2.0.0rc1", (2, 0, 0, 1)), ("1.2.3+local", (1, 2, 3, 0)),
])
def test_version_tuple(linux: SpecRun, version: str, expected: tuple[int, ...]) -> None:
    assert linux.namespace["version_tuple"](version) == expected


# --- files the spec ships ---------------------------------------------------------------------


def test_every_file_the_spec_names_exists(linux: SpecRun) -> None:
    ns = linux.namespace
    for src, dest in ns["DATA_SOURCES"]:
        assert Path(src).exists(), src
        assert dest == Path(src).relative_to(ROOT).as_posix()  # the layout is kept
    for icon in ns["ICONS"].values():
        assert icon.is_file(), icon


def test_resources_keep_their_layout_at_the_bundle_root(linux: SpecRun) -> None:
    datas = linux.one("Analysis").kwargs["datas"]
    assert (str(ROOT / "resources"), "resources") in datas


def test_migrations_ship_as_python_files(linux: SpecRun) -> None:
    (call,) = [c for c in linux.collect_data_calls if c[0] == ("therapist_desk.store",)]
    kwargs = call[1]
    assert kwargs["include_py_files"] is True
    package = PACKAGE / "store"
    matched = {p for pattern in kwargs["includes"] for p in package.glob(pattern)}
    migrations = package / "migrations"
    expected = {migrations / "env.py", migrations / "script.py.mako",
                *migrations.glob("versions/*.py")}
    assert expected <= matched
    assert len(list(migrations.glob("versions/0*.py"))) >= 1
    assert not [p for p in matched if "__pycache__" in p.parts]


def test_hidden_imports_exist(linux: SpecRun) -> None:
    hidden = linux.namespace["HIDDEN_IMPORTS"]
    for needed in ("sqlcipher3.dbapi2", "sqlalchemy.dialects.sqlite", "alembic.op",
                   "reportlab.pdfbase._fontdata", "PySide6.QtCharts"):
        assert needed in hidden
    missing = [name for name in hidden if importlib.util.find_spec(name) is None]
    assert not missing


def _app_imports() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_nothing_the_app_imports_is_excluded(linux: SpecRun) -> None:
    """Adding ``from PySide6.QtSvg import ...`` to the app must come with a spec change."""
    excluded = set(linux.namespace["EXCLUDES"])
    used = _app_imports()
    clash = sorted(name for name in used if name in excluded
                   or any(name.startswith(f"{ex}.") for ex in excluded))
    assert not clash, f"build.spec excludes modules the app imports: {clash}"


def test_the_package_is_imported_from_the_checkout(linux: SpecRun) -> None:
    assert Path(therapist_desk.__file__).resolve().parent == PACKAGE


# --- Qt trimming ------------------------------------------------------------------------------

LINUX_QT = "PySide6/Qt"
KEPT_BINARIES = [
    f"{LINUX_QT}/lib/libQt6Core.so.6", f"{LINUX_QT}/lib/libQt6Gui.so.6",
    f"{LINUX_QT}/lib/libQt6Widgets.so.6", f"{LINUX_QT}/lib/libQt6Charts.so.6",
    f"{LINUX_QT}/lib/libQt6OpenGL.so.6", f"{LINUX_QT}/lib/libQt6Svg.so.6",
    f"{LINUX_QT}/lib/libQt6DBus.so.6", f"{LINUX_QT}/lib/libicudata.so.73",
    f"{LINUX_QT}/lib/libQt6Pdf.so.6", f"{LINUX_QT}/lib/libQt6PdfWidgets.so.6",
    f"{LINUX_QT}/lib/libQt6Network.so.6",  # linked by Qt Pdf
    f"{LINUX_QT}/plugins/platforms/libqxcb.so", f"{LINUX_QT}/plugins/platforms/libqwayland.so",
    f"{LINUX_QT}/plugins/platforms/libqoffscreen.so",
    f"{LINUX_QT}/plugins/platformthemes/libqgtk3.so",
    f"{LINUX_QT}/plugins/imageformats/libqjpeg.so", f"{LINUX_QT}/plugins/iconengines/libqsvgicon.so",
    "PySide6/plugins/platforms/qwindows.dll", "PySide6/plugins/styles/qmodernwindowsstyle.dll",
    "PySide6/plugins/platforms/qoffscreen.dll", "PySide6/Qt6Core.dll", "PySide6/Qt6Charts.dll",
    f"{LINUX_QT}/plugins/platforms/libqcocoa.dylib", f"{LINUX_QT}/plugins/styles/libqmacstyle.dylib",
    f"{LINUX_QT}/lib/QtCore.framework/Versions/A/QtCore",
    "PySide6/QtCore.abi3.so", "PySide6/QtCharts.abi3.so", "PySide6/QtPdf.abi3.so",
    "libQt6Core.so.6", "PySide6/Qt6Pdf.dll",
    "sqlcipher3/_sqlite3.cpython-311-x86_64-linux-gnu.so", "libpython3.11.so.1.0",
]
DROPPED_BINARIES = [
    f"{LINUX_QT}/lib/libQt6Qml.so.6", f"{LINUX_QT}/lib/libQt6Quick.so.6",
    f"{LINUX_QT}/lib/libQt6VirtualKeyboard.so.6", "libQt6Qml.so.6",
    f"{LINUX_QT}/plugins/platforms/libqeglfs.so", f"{LINUX_QT}/plugins/platforms/libqvnc.so",
    f"{LINUX_QT}/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    f"{LINUX_QT}/plugins/imageformats/libqpdf.so", f"{LINUX_QT}/plugins/tls/libqopensslbackend.so",
    f"{LINUX_QT}/plugins/networkinformation/libqnetworkmanager.so",
    f"{LINUX_QT}/plugins/egldeviceintegrations/libqeglfs-x11-integration.so",
    f"{LINUX_QT}/plugins/generic/libqevdevmouseplugin.so",
    "PySide6/plugins/platforms/qdirect2d.dll", "PySide6/Qt6Quick.dll",
    f"{LINUX_QT}/plugins/permissions/libqdarwincamerapermission.dylib",
    f"{LINUX_QT}/lib/QtQml.framework/Versions/A/QtQml",
]


def test_qt_trimming_keeps_what_the_app_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binaries = [(dest, f"/src/{dest}", "BINARY") for dest in KEPT_BINARIES + DROPPED_BINARIES]
    datas = [
        (f"{LINUX_QT}/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("PySide6/translations/qt_fr.qm", "/src/qt_fr.qm", "DATA"),
        ("resources/icons/therapist-desk.png", "/src/icon.png", "DATA"),
        ("therapist_desk/store/migrations/env.py", "/src/env.py", "DATA"),
        (f"{LINUX_QT}/lib/QtQml.framework/Resources/Info.plist", "/src/Info.plist", "DATA"),
    ]
    run = run_spec("linux", tmp_path, monkeypatch, binaries=binaries, datas=datas)
    analysis = run.one("Analysis")
    kept = [dest for dest, _, _ in analysis.binaries]  # type: ignore[attr-defined]
    assert kept == KEPT_BINARIES
    assert [dest for dest, _, _ in analysis.datas] == [  # type: ignore[attr-defined]
        "resources/icons/therapist-desk.png", "therapist_desk/store/migrations/env.py"]


def test_unused_qt_modules_are_excluded(linux: SpecRun) -> None:
    excluded = set(linux.namespace["EXCLUDES"])
    for module in ("PySide6.QtWebEngineCore", "PySide6.QtQuick", "PySide6.QtQml",
                   "PySide6.QtMultimedia", "PySide6.Qt3DCore", "PySide6.QtBluetooth",
                   "PySide6.QtPositioning", "PySide6.QtSensors", "PySide6.QtNetwork"):
        assert module in excluded
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtCharts",
                   "PySide6.QtPdf", "PySide6.QtPdfWidgets"):
        assert needed not in excluded
