"""A GitHub Actions workflow that runs `sheetsync tick` every few minutes, for a network
with no computer always on: the config and jobs/ in a private repository, the Google
service account key in a repository secret.

Only a Google spreadsheet works there: a runner starts from the repository each time and
is thrown away after, so a workbook's changes would be lost. That is refused with an
error rather than a comment in the workflow: a workflow that runs green while dropping
every change is worse than none.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from sheetsync.config import BackendKind, Config
from sheetsync.errors import ScheduleError
from sheetsync.jobs import Job
from sheetsync.scheduling.command import Rendering, Scheduler, TickCommand, render_template

MIN_EVERY = 5  # minutes: GitHub runs a scheduled workflow at most this often
KEY_SECRET = "SHEETSYNC_GOOGLE_KEY"  # the repository secret holding the key file's text
WORKFLOW_PATH = ".github/workflows/sheetsync.yml"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # an environment variable's, and a secret's


def yaml_str(value: str, *, expression: bool = False) -> str:
    """A YAML double-quoted scalar holding `value` exactly. GitHub evaluates `${{ ... }}`
    in every string of a workflow, and YAML cannot hide it, so a value from the config
    holding one is refused; the workflow's own expressions say `expression=True`."""
    if "${{" in value and not expression:
        raise ScheduleError(
            f"{value!r} holds `${{{{`, which GitHub would read as an expression. Rename "
            "the file or folder, then run `sheetsync schedule --for github` again."
        )
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=2**31).strip()


def repository_root(folder: Path) -> Path:
    """The git repository the config is in (the folder holding .git, a folder or, in a
    worktree, a file); without one, the config's folder, which becomes the repository."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


# A requirement naming sheetsync on the package index: that name there is another
# project's (sheetsync is not published), so a runner would install someone else's code
# and run it with the network's key.
_INDEX_SHEETSYNC = re.compile(r"^\s*sheetsync\s*(\[[^\]]*\])?\s*([=<>!~].*)?$", re.IGNORECASE)
PACKAGE_EXAMPLE = "git+https://github.com/YOUR-ORG/sheetsync@v0.1.0"


def package_spec(root: Path, given: str | None = None) -> str:
    """What the runner installs: `given` (`--package`: a git URL at a tag or commit, a
    wheel's address, a folder in the repository), else the repository itself when it is
    sheetsync's own source (the demo). Never sheetsync by name from the package index."""
    if given is not None:
        if not given.strip() or _INDEX_SHEETSYNC.match(given):
            raise ScheduleError(
                f"--package {given!r} would install `sheetsync` from the package index, where "
                "that name belongs to another project: the runner would run someone else's "
                "code with your key. Give where this sheetsync comes from, pinned to a tag or "
                f"commit, e.g. --package {PACKAGE_EXAMPLE}"
            )
        return given.strip()
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    if project.get("project", {}).get("name") == "sheetsync":
        return "."
    raise ScheduleError(
        "The workflow must install sheetsync on GitHub's runner, and sheetsync is not on the "
        "package index (the name there is another project's). Say where it comes from, "
        "pinned to a tag or commit so that every run installs the same code: "
        f"`sheetsync schedule --for github --package {PACKAGE_EXAMPLE}` (or the address of "
        "a wheel, or a folder of the repository holding sheetsync's source)."
    )


def render(
    config: Config, tick: TickCommand, jobs: list[Job], *, every: int, package: str | None = None
) -> Rendering:
    """The workflow file's text; it is printed, to be saved in the repository."""
    _check_fits(config, every)
    root = repository_root(tick.workdir)
    spec = package_spec(root, package)
    key_file, extra_env = _key_file(config, root)
    extra_env += _smtp_secret(config)
    text = render_template(
        "github.yml.jinja",
        every=every,
        timezone=config.timezone,
        options=[yaml_str(option) for option in ["tick", *(job.name for job in jobs)]],
        package=yaml_str(spec),
        key_secret=yaml_str(f"${{{{ secrets.{KEY_SECRET} }}}}", expression=True),
        key_file=key_file,
        secret_name=KEY_SECRET,
        config=yaml_str(_inside(tick.config_path, root, "The config file")),
        what=yaml_str("${{ inputs.what }}", expression=True),
        extra_env=extra_env,
    )
    return Rendering(
        scheduler=Scheduler.GITHUB,
        text=text,
        hint=f"# Save this as {WORKFLOW_PATH} in the network's private repository, add the "
        f"key file's text as the secret {KEY_SECRET}, commit and push (docs/schedule.md).",
    )


def _check_fits(config: Config, every: int) -> None:
    if config.backend != BackendKind.GOOGLE:
        raise ScheduleError(
            "This network's spreadsheet is a workbook on this computer, and a GitHub runner "
            "starts afresh each time: the workbook's changes would be lost after every run. "
            "GitHub Actions suits a network on Google Sheets (README: Using it on Google "
            "Sheets). For a workbook, schedule tick on the computer that holds it: "
            "`sheetsync schedule --for cron` (or systemd, launchd, windows)."
        )
    if not config.email.smtp:
        raise ScheduleError(
            "Without [email.smtp] in sheetsync.toml, emails (confirmations, reminders, "
            "digests) are written to the outbox folder, and a GitHub runner throws that "
            "folder away after each run while the Run log counts them as sent. Set up "
            "[email.smtp] (docs/digest.md), with its password in a repository secret, "
            "then run `sheetsync schedule --for github` again."
        )
    if every < MIN_EVERY:
        raise ScheduleError(
            f"GitHub starts a scheduled workflow at most every {MIN_EVERY} minutes: use "
            f"--every {MIN_EVERY} or more (30, the default for GitHub, keeps a private "
            "repository within GitHub's free minutes)."
        )


def _key_file(config: Config, root: Path) -> tuple[str, list[tuple[str, str]]]:
    """Where the workflow writes the key: where [backend] credentials points, inside the
    checkout; else in the runner's temporary folder, named by GOOGLE_APPLICATION_CREDENTIALS."""
    if config.credentials is not None:
        inside = _inside(config.credentials.resolve(), root, "[backend] credentials")
        return yaml_str(inside), []
    key_file = yaml_str("${{ runner.temp }}/service-account.json", expression=True)
    return key_file, [("GOOGLE_APPLICATION_CREDENTIALS", key_file)]


def _smtp_secret(config: Config) -> list[tuple[str, str]]:
    """The SMTP password, from the secret named as its variable, when digests go by SMTP."""
    smtp = config.email.smtp
    if not smtp:
        return []
    name = str(smtp.get("password_env", "SHEETSYNC_SMTP_PASSWORD"))
    if not _NAME.fullmatch(name) or name.upper().startswith("GITHUB_"):
        raise ScheduleError(
            f"[email.smtp] password_env = {name!r} cannot name a GitHub secret (letters, "
            "digits and _, not starting with GITHUB_): rename it, e.g. "
            "SHEETSYNC_SMTP_PASSWORD."
        )
    return [(name, yaml_str(f"${{{{ secrets.{name} }}}}", expression=True))]


def _inside(path: Path, root: Path, what: str) -> str:
    """`path` relative to the repository's top, as the runner's checkout has it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise ScheduleError(
            f"{what} ({path}) is outside the folder that becomes the repository ({root}): "
            "the runner would not have it. Move it into that folder (a key file: point "
            "credentials at a path there and list it in .gitignore, never commit it)."
        ) from None
