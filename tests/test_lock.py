"""requirements.lock (what the Docker image installs) agrees with pyproject.toml's dependencies."""
from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DIRECT = "imgmod (pyproject.toml)"
# The environments a newcomer or an image may install in: every supported CPython, on each platform.
ENVIRONMENTS = [
    {"python_version": version, "python_full_version": f"{version}.0", "sys_platform": platform,
     "platform_system": system, "platform_machine": machine, "implementation_name": "cpython",
     "platform_python_implementation": "CPython", "os_name": "posix"}
    for version, (platform, system, machine) in itertools.product(
        ("3.11", "3.12", "3.13", "3.14", "3.15"),
        (("linux", "Linux", "x86_64"), ("linux", "Linux", "aarch64"), ("darwin", "Darwin", "arm64"),
         ("darwin", "Darwin", "x86_64")))
]


# The extras the lock (and so the Docker image) installs beside the dependencies.
LOCKED_EXTRAS = ("matching",)


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [line for extra in LOCKED_EXTRAS for line in project["optional-dependencies"][extra]]
    return [Requirement(line) for line in [*project["dependencies"], *extras]]


def lock_entries() -> list[tuple[Requirement, list[str], set[str]]]:
    """Each pinned line of the lock: the requirement, its hashes, and the packages it is there for."""
    entries = []
    for block in (ROOT / "requirements.lock").read_text().replace("\\\n", " ").split("\n"):
        if not block.strip():
            continue
        if block.startswith("    #"):  # `# via X`, or one X per line under `# via`
            via = block.strip().removeprefix("#").strip().removeprefix("via").strip()
            if via and entries:
                entries[-1][2].add(via)
            continue
        if block.startswith("#"):
            continue
        words = block.split()
        hashes = [words[i + 1] if word == "--hash" else word.split("=", 1)[1]
                  for i, word in enumerate(words) if word.startswith("--hash")]
        spec = block.split(" --hash")[0].strip()
        entries.append((Requirement(spec), hashes, set()))
    return entries


def pinned_version(requirement: Requirement) -> str:
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", requirement
    return specifier.version


def applies(requirement: Requirement, environment: dict) -> bool:
    return requirement.marker is None or requirement.marker.evaluate(environment)


def test_every_dependency_is_locked_at_a_version_it_allows_wherever_it_installs():
    entries = lock_entries()
    for wanted in project_requirements():
        locked = [entry for entry, _, _ in entries if canonicalize_name(entry.name) == canonicalize_name(wanted.name)]
        assert locked, f"{wanted.name} is in pyproject.toml but not in requirements.lock: refresh the lock"
        for entry in locked:
            assert wanted.specifier.contains(pinned_version(entry), prereleases=True), (
                f"requirements.lock pins {entry.name}=={pinned_version(entry)}, outside pyproject's {wanted}")
        for environment in ENVIRONMENTS:
            chosen = [entry for entry in locked if applies(entry, environment)]
            # Installed exactly where pyproject's markers install it, and then at one version.
            assert len(chosen) == (1 if applies(wanted, environment) else 0), (wanted, environment, chosen)


def test_every_package_the_lock_says_is_direct_is_a_dependency_of_pyproject():
    names = {canonicalize_name(requirement.name) for requirement in project_requirements()}
    direct = [entry.name for entry, _, via in lock_entries() if DIRECT in via]
    assert direct, "the lock names no package as coming from pyproject.toml: not a uv lock of it?"
    stale = [name for name in direct if canonicalize_name(name) not in names]
    assert stale == [], f"requirements.lock still installs {stale}, which pyproject.toml no longer asks for"


def test_every_locked_package_is_pinned_with_hashes():
    for entry, hashes, _ in lock_entries():
        pinned_version(entry)
        assert hashes and all(h.startswith("sha256:") and len(h) == 7 + 64 for h in hashes), entry


def test_the_lock_installs_one_version_of_each_package_in_every_environment():
    entries = lock_entries()
    for environment in ENVIRONMENTS:
        names = [canonicalize_name(entry.name) for entry, _, _ in entries if applies(entry, environment)]
        assert len(names) == len(set(names)), environment
