"""Command line: parses options, calls the library, renders its results. Nothing else.

Owns the ``provenance`` command and its subcommands, the mapping of library
errors to exit codes (see ``errors.ExitCode`` and the README), atomic writing of
``-o`` files (a temporary file renamed into place, so an interrupted run leaves
no partial report), and the stderr summary. Data goes to stdout, diagnostics to
stderr.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import click
from click.core import ParameterSource

from provenance import REFUSED_THREAD_COUNT, __version__
from provenance.audit import audit, audit_index
from provenance.audit_report import audit_summary_line, to_audit_csv, to_audit_html, to_audit_json, to_audit_table
from provenance.errors import ExitCode, InputError, ProvenanceError, write_error
from provenance.html import render_html
from provenance.index import BATCH_SIZE, AddResult
from provenance.ingest import LONGEST_ARTICLE_CHARS, MAX_ARTICLE_CHARS, READERS, Fields, read_corpus, read_pair
from provenance.kernels import ready
from provenance.model import Report
from provenance.pipeline import default_workers, no_articles_message, scan, scan_articles
from provenance.report import check_writable, counted, json_pieces, output_clash, summary_line, terminal_safe, to_csv, to_table, write_file
from provenance.settings import Settings

FORMATS = ("table", "json", "csv", "html")


def write_output(text: str | Iterable[str], output: Optional[Path]) -> None:
    """Write ``text`` (or its pieces, in order) to ``output`` (``report.write_file``: atomically), or to stdout."""
    pieces = [text] if isinstance(text, str) else text
    if output is None:
        try:
            for chunk in _chunks(pieces):
                click.echo(chunk, nl=False)
        except BrokenPipeError:
            raise  # a reader that stopped early (`| head`): click ends quietly
        except OSError as error:  # stdout sent to a file on a full disk
            raise write_error("the report to standard output", error) from error
        return
    write_file(pieces, output)


def _check_output(output: Optional[Path], *inputs: Path) -> None:
    """Before any work, refuse an ``-o`` that would replace an input (a usage error, ``report.output_clash``)
    or that cannot be written (exit 4, ``report.check_writable``)."""
    clash = output_clash(output, inputs)
    if clash:
        raise click.UsageError(clash)
    if output is not None:
        check_writable(output)


def _chunks(pieces: Iterable[str], size: int = 1 << 20) -> Iterator[str]:
    """Pieces joined into chunks of about ``size`` characters (``click.echo`` flushes on every call)."""
    held: list[str] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(held)
            held, length = [], 0
    if held:
        yield "".join(held)


def settings_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The pipeline settings as options, shared by every command that runs the pipeline."""
    defaults = Settings()
    options = [
        click.option("--num-perm", type=int, default=None, help=f"MinHash permutations [{defaults.num_perm}]"),
        click.option("--lsh-rows", type=int, default=None, help=f"rows per LSH band [{defaults.lsh_rows}]"),
        click.option("--min-hits", type=int, default=None, help=f"least band collisions for a candidate pair [{defaults.min_hits}]"),
        click.option("--min-weight", type=float, default=None,
                     help=f"least weight of band collisions for a candidate pair (1/(k-1) each, in a bucket of k) [{defaults.min_weight}]"),
        click.option("--window-words", type=int, default=None, help=f"content words per passage window [{defaults.window_words}]"),
        click.option("--sentence-similarity", type=float, default=None, help=f"least sentence similarity to seed a passage [{defaults.sentence_similarity}]"),
        click.option("--max-gap", type=int, default=None, help=f"most unmatched sentences inside a passage [{defaults.max_gap}]"),
        click.option("--min-confidence", type=float, default=None, help=f"least confidence to report a derivation [{defaults.min_confidence}]"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


_SETTING_NAMES = ("num_perm", "lsh_rows", "min_hits", "min_weight", "window_words", "sentence_similarity", "max_gap", "min_confidence")


def _settings(values: dict[str, Any]) -> Settings:
    return Settings().replace(**{name: values.pop(name) for name in _SETTING_NAMES})


def _given_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The settings options actually given (an index layers them on its own settings)."""
    given = {name: values.pop(name) for name in _SETTING_NAMES}
    return {name: value for name, value in given.items() if value is not None}


def field_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The column mapping for JSONL and CSV exports, shared by scan, audit and index build/add."""
    defaults = Fields()
    options = [
        click.option(f"--{part}-field" if part != "published" else "--date-field", f"{part}_field", default=getattr(defaults, part),
                     show_default=True, help=f"JSONL key / CSV column holding the article's {label}")
        for part, label in (("text", "text"), ("id", "id"), ("title", "title"), ("published", "publication date"), ("url", "URL"))
    ]
    for option in reversed(options):
        command = option(command)
    return command


# The parameter of each field option (``text_field`` for ``--text-field``), named after ``Fields``.
_FIELD_PARAMETERS = {f"{field.name}_field": field.name for field in dataclasses.fields(Fields)}


def _fields(values: dict[str, Any]) -> Fields:
    return Fields(**{part: values.pop(parameter) for parameter, part in _FIELD_PARAMETERS.items()})


def _a_number(_: click.Context, param: click.Parameter, value: Optional[float]) -> Optional[float]:
    """An option's callback: ``value``, unless it is NaN (``click.FloatRange`` lets it through: every
    comparison with it is false)."""
    if value is not None and value != value:
        raise click.BadParameter("must be a number, got nan", param=param)
    return value


def limit_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The article size cap, shared by every command that reads a corpus."""
    return click.option(
        "--max-article-chars", type=click.IntRange(min=1, max=LONGEST_ARTICLE_CHARS), default=MAX_ARTICLE_CHARS, show_default=True,
        help="skip (never truncate) an article longer than this many characters",
    )(command)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line messages and documented exit codes; Ctrl-C into 130."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ProvenanceError as error:
            # When nothing usable remained, each skipped input still gets its line.
            # (a message names paths as given: a control character in one is shown as its escape)
            for skipped in getattr(error, "skipped", ()):
                click.echo(terminal_safe(str(skipped)), err=True)
            click.echo(f"error: {terminal_safe(str(error))}", err=True)
            sys.exit(int(error.exit_code))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except BrokenPipeError:
            raise  # stdout closed early (`| head`): click ends quietly
        except OSError as error:
            # The report (``write_file``) and the index name their files when a write fails; what is
            # left is mostly the scan's temporary files (the stages spill texts and shingles to disk).
            where = f"a temporary file in {tempfile.gettempdir()} (set TMPDIR to use another folder)"
            click.echo(f"error: {terminal_safe(str(write_error(where, error)))}", err=True)
            sys.exit(int(ExitCode.WRITE))

    return wrapper


def _say_if_compiling(work: str) -> None:
    """A line on stderr when ``work`` ("scan", "index") will compile its kernels first: on a fresh
    install, a minute or more of silence otherwise (``kernels.ready``)."""
    if not ready(work):
        click.echo("provenance: compiling its kernels first (about two minutes on two cores, once: later runs load them)", err=True)


def _report_skipped(report: Report) -> None:
    for skipped in report.skipped:
        click.echo(str(skipped), err=True)


def render(report: Report, output_format: str) -> str | Iterator[str]:
    """The report in the chosen format (JSON in pieces: see ``report.json_pieces``)."""
    if output_format == "json":
        return json_pieces(report)
    if output_format == "csv":
        return to_csv(report)
    if output_format == "html":
        return render_html(report)
    return to_table(report)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
def main() -> None:
    """Find which articles are rewrites of which, how much was taken, and the derivation tree."""
    if REFUSED_THREAD_COUNT is not None:
        raise click.UsageError(f"NUMBA_NUM_THREADS={REFUSED_THREAD_COUNT} is no number of threads: "
                               "set it to 1 or more, or unset it to use every core")


def _refuse_unused(engine: str, index_path: Optional[Path]) -> None:
    """A usage error for an option given that this way of scanning would ignore: a Spark scan read
    with the default field names whatever ``--text-field`` said, and found nothing."""
    context = click.get_current_context()
    given = {parameter.name: parameter.opts[0] for parameter in context.command.params
             if parameter.name and context.get_parameter_source(parameter.name) is ParameterSource.COMMANDLINE}
    unused = [(name, "is for --engine spark") for name in ("spark_master", "partitions") if engine != "spark"]
    unused += [("batch_size", "is for --index")] if index_path is None else []
    if engine == "spark":
        unused += [(name, "is for the local engine: Spark reads JSONL and Parquet by the default field names, on its own workers")
                   for name in ("workers", "progress", *_FIELD_PARAMETERS)]
    for name, why in unused:
        if name in given:
            raise click.UsageError(f"{given[name]} {why}")


PROGRESS_HELP = "on stderr, a progress bar through the long stages and a line as each stage ends [on when stderr is a terminal]"


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True, help="output format")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="write here instead of stdout")
@click.option("--input-format", type=click.Choice(sorted(READERS)), help="read every file as this format")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="worker processes [one per core]")
@click.option("--strict", is_flag=True, help="exit 1 if any input was skipped")
@field_options
@limit_option
@click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
              help="add the corpus to this index and match it against everything indexed")
@click.option("--batch-size", type=click.IntRange(min=1), default=BATCH_SIZE, show_default=True, help="articles per index transaction (with --index)")
@click.option("--engine", type=click.Choice(("local", "spark")), default="local", show_default=True, help="run here, or as a Spark job")
@click.option("--spark-master", default=None, help="Spark master URL (with --engine spark) [$SPARK_MASTER or local[*]]")
@click.option("--partitions", type=click.IntRange(min=1), default=None, help="Spark partitions (with --engine spark) [Spark's default parallelism]")
@click.option("--progress/--no-progress", default=None, help=PROGRESS_HELP)
@settings_options
@handle_errors
def scan_command(paths: tuple[Path, ...], output_format: str, output: Optional[Path], input_format: Optional[str],
                 workers: Optional[int], strict: bool, max_article_chars: int, index_path: Optional[Path], batch_size: int,
                 engine: str, spark_master: Optional[str], partitions: Optional[int], progress: Optional[bool],
                 **options: Any) -> None:
    """Scan files and folders for derivations; print trees and pairs."""
    _check_output(output, *paths)
    fields = _fields(options)
    if index_path is not None and engine != "local":
        raise click.UsageError("--index runs on the local engine; leave out --engine spark")
    _refuse_unused(engine, index_path)
    _say_if_compiling("scan" if index_path is None else "index")
    if engine == "spark":
        from provenance.engine_spark import scan_spark

        report = scan_spark(list(paths), _settings(options), master=spark_master, partitions=partitions, input_format=input_format,
                            max_article_chars=max_article_chars)
    else:
        with _progress_lines(progress) as told:
            if index_path is not None:
                from provenance.index_scan import scan_paths_with_index

                report = scan_paths_with_index(list(paths), index_path, _given_settings(options), workers=workers or default_workers(),
                                               batch_size=batch_size, input_format=input_format, fields=fields,
                                               max_article_chars=max_article_chars, added=_say_changed, **told)
            else:
                # Only the HTML report shows the texts: the other formats leave them on disk.
                report = scan(list(paths), _settings(options), workers=workers or default_workers(), input_format=input_format,
                              fields=fields, max_article_chars=max_article_chars, keep_texts=output_format == "html", **told)
    _report_skipped(report)
    write_output(render(report, output_format), output)
    click.echo(summary_line(report), err=True)
    if strict and report.skipped:
        sys.exit(int(ExitCode.GATE))


# Articles named apart from the index (``Index.add``) listed one a line, at most this many.
_RENAMED_SHOWN = 5


def _say_renamed(result: AddResult) -> None:
    """A line on stderr for each article stored under its path as given (the first few, then a count)."""
    for read, stored in result.renamed[:_RENAMED_SHOWN]:
        click.echo(f"provenance: {read} is indexed from another file with another text: this one is indexed as {stored}", err=True)
    if len(result.renamed) > _RENAMED_SHOWN:
        click.echo(f"provenance: and {len(result.renamed) - _RENAMED_SHOWN} more indexed under their path as given", err=True)


def _say_changed(result: AddResult) -> None:
    """What ``scan --index``'s add changed in the index, on stderr: renamed articles, and replaced or relabelled ones."""
    _say_renamed(result)
    if result.updated or result.metadata:
        click.echo(f"provenance: in the index, {counted(len(result.updated), 'article')} replaced by a new text (same id and path), "
                   f"{len(result.metadata)} given new metadata", err=True)


@contextlib.contextmanager
def _progress_lines(progress: Optional[bool]) -> Iterator[dict[str, Any]]:
    """The ``progress`` and ``advance`` callbacks of ``--progress`` (none with ``--no-progress``; by
    default, only when stderr is a terminal), as keyword arguments; the bar is rubbed out on the way out."""
    terminal = sys.stderr.isatty()
    if not (terminal if progress is None else progress):
        yield {}
        return
    lines = _ProgressLines(terminal)
    try:
        yield {"progress": lines.stage_done, "advance": lines.advance}
    finally:
        lines.clear()


class _ProgressLines:
    """``--progress`` on stderr (scan, audit): a line as each stage ends, and through the long stages a bar
    that redraws itself on a terminal, or in a log (not a terminal) a line at each quarter of the
    stage's work."""

    WIDTH = 30  # the bar's characters
    REDRAW_SECONDS = 0.1  # the least time between two redraws of a bar on a terminal

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.drawn = 0  # characters of the bar on the terminal's last line
        self.last_redraw = -math.inf
        self.quarters: dict[str, int] = {}  # in a log: the last quarter of each stage written

    def advance(self, stage: str, done: int, total: int) -> None:
        share = min(done / total, 1.0) if total > 0 else 1.0
        if not self.terminal:
            quarter = int(share * 4)
            if 0 < quarter < 4 and quarter > self.quarters.get(stage, 0):
                self.quarters[stage] = quarter
                click.echo(f"provenance: {stage} {25 * quarter}%", err=True)
            return
        now = time.monotonic()
        if now - self.last_redraw < self.REDRAW_SECONDS and share < 1.0:
            return
        self.last_redraw = now
        filled = int(share * self.WIDTH)
        line = f"provenance: {stage} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%}"
        click.echo("\r" + line.ljust(self.drawn), nl=False, err=True)
        self.drawn = len(line)

    def stage_done(self, stage: str, seconds: float) -> None:
        self.clear()
        click.echo(f"provenance: {stage} done in {seconds:.1f} s", err=True)

    def clear(self) -> None:
        """Rub out the bar (before a line is written, or an error)."""
        if self.drawn:
            click.echo("\r" + " " * self.drawn + "\r", nl=False, err=True)
            self.drawn = 0


main.add_command(scan_command, name="scan")


@main.command(name="audit")
@click.argument("site", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--against", "reference", multiple=True, type=click.Path(path_type=Path),
              help="the reference corpus (file or folder; repeat for more)")
@click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
              help="audit against this index instead of --against (the site is added to it)")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True, help="output format")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="write here instead of stdout")
@click.option("--input-format", type=click.Choice(sorted(READERS)), help="read every file as this format")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="worker processes [one per core]")
@click.option("--fail-above", type=click.FloatRange(0.0, 1.0), default=None, callback=_a_number,
              help="exit 1 if any audited article is at least this fraction derived (0.5 = 50%)")
@click.option("--strict", is_flag=True, help="exit 1 if any input was skipped")
@click.option("--progress/--no-progress", default=None, help=PROGRESS_HELP)
@field_options
@limit_option
@settings_options
@handle_errors
def audit_command(site: tuple[Path, ...], reference: tuple[Path, ...], index_path: Optional[Path], output_format: str,
                  output: Optional[Path], input_format: Optional[str], workers: Optional[int], fail_above: Optional[float],
                  strict: bool, progress: Optional[bool], max_article_chars: int, **options: Any) -> None:
    """Audit a site (files, folders, WARC crawls) against a reference corpus: which of its articles are derived."""
    if bool(reference) == bool(index_path):
        raise click.UsageError("give the reference as --against PATH or as --index FILE (one of them)")
    _check_output(output, *site, *reference, *([index_path] if index_path else []))
    fields = _fields(options)
    _say_if_compiling("scan" if index_path is None else "index")
    with _progress_lines(progress) as told:
        if index_path is not None:
            result = audit_index(list(site), index_path, _given_settings(options), workers=workers or default_workers(),
                                 input_format=input_format, fields=fields, max_article_chars=max_article_chars, **told)
        else:
            result = audit(list(site), list(reference), _settings(options), workers=workers or default_workers(),
                           input_format=input_format, fields=fields, max_article_chars=max_article_chars, **told)
    _report_skipped(result.report)
    rendered = {"json": to_audit_json, "csv": to_audit_csv, "html": to_audit_html}.get(output_format, to_audit_table)(result)
    write_output(rendered, output)
    click.echo(audit_summary_line(result), err=True)
    if fail_above is not None and (most := result.gate_row(fail_above)) is not None:
        click.echo(f"gate: an article is at least {fail_above * 100:.1f}% derived from the reference "
                   f"(most: {terminal_safe(most.article)}, {most.overlap * 100:.1f}% from {terminal_safe(most.source or '')})", err=True)
        sys.exit(int(ExitCode.GATE))
    if strict and result.report.skipped:
        sys.exit(int(ExitCode.GATE))


def _compare_table(report: Report, texts: dict[str, str], width: int) -> str:
    from tabulate import tabulate

    if not report.matches:
        return "No derivation found between these two articles.\n"
    match = report.matches[0]
    header = (
        f"{match.derived} is derived from {match.source} ({match.relation}): "
        f"{match.overlap * 100:.1f}% of it covered, {match.source_overlap * 100:.1f}% of the source reused, "
        f"confidence {match.confidence:.2f}\n\n"
    )
    rows = []
    for number, passage in enumerate(match.passages, start=1):
        rows.append(
            [
                number,
                f"[{passage.source_start}:{passage.source_end}]\n"
                + terminal_safe(texts[match.source][passage.source_start : passage.source_end]),
                f"[{passage.derived_start}:{passage.derived_end}]\n"
                + terminal_safe(texts[match.derived][passage.derived_start : passage.derived_end]),
                f"{passage.similarity:.2f}",
            ]
        )
    return header + tabulate(
        rows, headers=["#", f"source: {match.source}", f"derived: {match.derived}", "similarity"],
        tablefmt="grid", maxcolwidths=[None, width, width, None],
    ) + "\n"


@main.command()
@click.argument("first", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("second", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(("table", "json", "html")), default="table", show_default=True, help="output format")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="write here instead of stdout")
@click.option("--width", type=click.IntRange(min=10), default=60, show_default=True, help="column width of the side-by-side table")
@limit_option
@settings_options
@handle_errors
def compare(first: Path, second: Path, output_format: str, output: Optional[Path], width: int, max_article_chars: int,
            **options: Any) -> None:
    """Align two articles (one from each file) and show their shared passages side by side."""
    _check_output(output, first, second)
    settings = _settings(options)
    _say_if_compiling("scan")
    articles, skipped = read_pair(first, second, max_chars=max_article_chars)
    report = scan_articles(articles, settings, workers=1, skipped=skipped)
    if output_format in ("json", "html"):
        write_output(render(report, output_format), output)
    else:
        write_output(_compare_table(report, {a.id: a.text for a in report.articles}, width), output)


@main.group(name="index")
def index_group() -> None:
    """Build, extend and describe a persistent index (an SQLite file) of signed articles."""


def _index_add(paths: tuple[Path, ...], index_path: Path, input_format: Optional[str], batch_size: int,
               workers: Optional[int], options: dict[str, Any], create: bool) -> None:
    from provenance.index import Index

    given = _given_settings(options)
    _say_if_compiling("index")
    articles, skipped = read_corpus(list(paths), input_format, _fields(options), max_chars=options.pop("max_article_chars"))
    if not articles:  # as a scan of nothing is: exit 3, and no index made
        raise InputError(no_articles_message(paths, skipped), skipped=skipped)
    for item in skipped:
        click.echo(str(item), err=True)

    def progress(done: int, total: int) -> None:
        click.echo(f"indexed {done}/{total}", err=True)

    with Index.open(index_path, create=create, options=given) as index:
        result = index.add(articles, batch_size=batch_size, workers=workers or default_workers(), progress=progress)
        _say_renamed(result)
        click.echo(
            f"provenance: {len(result.added)} added, {len(result.updated)} updated, {len(result.metadata)} with new metadata, "
            f"{len(result.unchanged)} unchanged in {counted(result.batches, 'batch', 'batches')}; {index.size} articles in {index_path}",
            err=True,
        )


def _index_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option("--index", "index_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the index file"),
        click.option("--input-format", type=click.Choice(sorted(READERS)), help="read every file as this format"),
        click.option("--batch-size", type=click.IntRange(min=1), default=BATCH_SIZE, show_default=True, help="articles per transaction"),
        click.option("--workers", type=click.IntRange(min=1), default=None, help="worker processes for shingling [one per core]"),
    ]):
        command = option(command)
    return settings_options(limit_option(field_options(command)))


@index_group.command(name="build")
@_index_options
@handle_errors
def index_build(paths: tuple[Path, ...], index_path: Path, input_format: Optional[str], batch_size: int,
                workers: Optional[int], **options: Any) -> None:
    """Create a new index from a corpus (refuses an existing file, unless an index with no article)."""
    from provenance.index_store import holds_no_article

    if index_path.exists():
        if not holds_no_article(index_path):
            raise ProvenanceError(f"{index_path} already exists; extend it with `provenance index add`, or delete it to rebuild")
        click.echo(f"provenance: {index_path} is an index with no article (a build stopped before its first batch): "
                   "building into it", err=True)
    _index_add(paths, index_path, input_format, batch_size, workers, options, create=True)


@index_group.command(name="add")
@_index_options
@handle_errors
def index_add(paths: tuple[Path, ...], index_path: Path, input_format: Optional[str], batch_size: int,
              workers: Optional[int], **options: Any) -> None:
    """Add new or changed articles to an existing index (unchanged ones are skipped)."""
    _index_add(paths, index_path, input_format, batch_size, workers, options, create=False)


@index_group.command(name="info")
@click.option("--index", "index_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the index file")
@handle_errors
def index_info(index_path: Path) -> None:
    """Print an index's settings and counts."""
    from provenance.index import Index

    with Index.open(index_path) as index:
        info = index.info()
    lines = [
        f"index: {info.path}",
        f"format: {info.format}",
        f"settings_key: {info.settings_key}",
        f"articles: {info.articles}",
        f"windows: {info.windows}",
        f"stems: {info.stems}",
        f"bytes: {info.bytes}",
    ] + [f"setting {name}: {value}" for name, value in info.settings.items()]
    click.echo("\n".join(lines))


if __name__ == "__main__":  # pragma: no cover
    main()
