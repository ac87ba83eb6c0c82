"""Many leaflets from one prescription list: bad rows reported, the rest built, names safe,
the same bytes however the work is split."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import BACLOFEN, MAX_DOSE_LINE, fresh_python
from pdfread import page_texts, reader

from leaflet.cli import main

HEADER = ["content", "name", "prescriber", "pharmacy", "start_date", "times", "schedule"]
SCHEDULE = "5 mg 3 times a day for 3 days; 10 mg 3 times a day for 3 days; 20 mg 3 times a day"


def good_row(number: int) -> dict[str, str]:
    return {"content": str(BACLOFEN), "name": f"Patient Number{number}",
            "prescriber": "Dr Amir Patel", "pharmacy": "Riverside Pharmacy",
            "start_date": f"2026-03-{1 + number % 28:02d}", "times": "8:00 14:00 20:00",
            "schedule": SCHEDULE}


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def batch(tmp_path, capsys):
    """Run `leaflet batch` in-process; return (exit code, stdout lines, stderr lines but the
    content's warnings, which baclofen's placeholders give and a test of its own covers)."""

    def run(*args: str) -> tuple[int, list[str], list[str]]:
        code = main(["batch", *args])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out.strip().splitlines(), [
            line for line in captured.err.strip().splitlines()
            if not line.startswith("warning: ")]

    return run


def pdfs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_fifty_rows_three_bad_give_47_pdfs_and_three_reasons(tmp_path, batch):
    rows = [good_row(n) for n in range(1, 51)]
    rows[9]["schedule"] = "5 mg 3 times a day for 3 days; 30 mg 3 times a day"
    rows[19]["times"] = "8:00 14:00 25:00"
    rows[29]["content"] = str(tmp_path / "missing.yaml")
    listing = write_csv(tmp_path / "prescriptions.csv", rows)
    code, out, err = batch(str(listing), "--out-dir", str(tmp_path / "out"), "--jobs", "2")
    assert code == 1
    built = pdfs(tmp_path / "out")
    assert len(built) == 47
    assert "0010-baclofen.pdf" not in built and "0030-baclofen.pdf" not in built
    assert all(data.startswith(b"%PDF-") for data in built.values())
    assert err == [
        f"error: row 10: {listing}:11: schedule: step 2: 30 mg 3 times a day is 90 mg a day, "
        f"above the maximum of 80 mg a day ({BACLOFEN}:{MAX_DOSE_LINE})",
        f"error: row 20: {listing}:21: times: expected a time like '8:00' or '14:00' "
        "(24-hour clock, HH:MM); got '25:00'",
        f"error: row 30: {tmp_path / 'missing.yaml'}: file not found",
    ]
    assert out == ["built 47 of 50 rows; 3 failed (rows 10, 20, 30)"]


def test_unsafe_and_duplicate_names_are_refused_per_row(tmp_path, batch):
    names = ["../x.pdf", str(tmp_path / "absolute.pdf"), "sub/dir.pdf", ".hidden.pdf",
             "same.pdf", "SAME.pdf", "notes.txt", "fine.pdf"]
    rows = [{**good_row(n), "output": name} for n, name in enumerate(names, start=1)]
    listing = write_csv(tmp_path / "rx.csv", rows, [*HEADER, "output"])
    out_dir = tmp_path / "out"
    code, out, err = batch(str(listing), "--out-dir", str(out_dir), "--jobs", "1")
    assert code == 1
    assert list(pdfs(out_dir)) == ["fine.pdf"]
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "absolute.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "rx.csv"]
    reasons = {int(line.split(":")[1].removeprefix(" row ")): line for line in err}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7]
    assert "output: '../x.pdf' is a path; give a plain file name" in reasons[1]
    assert "is a path" in reasons[2] and "is a path" in reasons[3]
    assert "starts with '.'" in reasons[4]
    assert "'same.pdf' is also the file of row 6" in reasons[5]
    assert "'SAME.pdf' is also the file of row 5" in reasons[6]
    assert "'notes.txt' must end in .pdf" in reasons[7]
    assert out == ["built 1 of 8 rows; 7 failed (rows 1, 2, 3, 4, 5, 6, 7)"]


def test_names_come_from_a_pattern_and_hold_no_personal_data_unless_asked(tmp_path, batch):
    rows = [{**good_row(n), "id": f"RX{n}"} for n in range(1, 3)]
    listing = write_csv(tmp_path / "rx.csv", rows, [*HEADER, "id"])
    code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / "a"), "--name", "{id}.pdf")
    assert code == 0 and list(pdfs(tmp_path / "a")) == ["RX1.pdf", "RX2.pdf"]
    code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / "b"), "--name",
                       "{row:03d}-{content}.pdf")
    assert code == 0 and list(pdfs(tmp_path / "b")) == ["001-baclofen.pdf", "002-baclofen.pdf"]
    code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / "c"), "--name", "{name}.pdf")
    assert code == 0 and list(pdfs(tmp_path / "c")) == ["Patient Number1.pdf",
                                                         "Patient Number2.pdf"]


@pytest.mark.parametrize("pattern", ["../{row}.pdf", "{row}", "{row.__class__}.pdf",
                                     "{row!r}.pdf", "{row"])
def test_a_name_pattern_that_could_escape_is_a_usage_error(tmp_path, batch, pattern):
    listing = write_csv(tmp_path / "rx.csv", [good_row(1)])
    code, _, err = batch(str(listing), "--out-dir", str(tmp_path / "out"), "--name", pattern)
    assert code == 2 and len(err) == 1 and err[0].startswith("error: --name: ")
    assert not (tmp_path / "out").exists()


def test_jobs_two_and_jobs_one_give_the_same_bytes(tmp_path, batch):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "baclofen.yaml").write_bytes(BACLOFEN.read_bytes())
    rows = [{**good_row(n), "content": "content/baclofen.yaml"} for n in range(1, 6)]
    listing = write_csv(tmp_path / "rx.csv", rows)  # content paths relative to the list
    for jobs in ("1", "2"):
        code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / jobs), "--jobs", jobs,
                           "--combined", str(tmp_path / f"day{jobs}.pdf"))
        assert code == 0
    assert len(pdfs(tmp_path / "1")) == 5
    assert pdfs(tmp_path / "1") == pdfs(tmp_path / "2")
    assert (tmp_path / "day1.pdf").read_bytes() == (tmp_path / "day2.pdf").read_bytes()


def test_shards_together_are_the_whole_run_without_overlap(tmp_path, batch):
    listing = write_csv(tmp_path / "rx.csv", [good_row(n) for n in range(1, 8)])
    code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / "all"), "--jobs", "1")
    assert code == 0
    shards = {}
    for index in (1, 2, 3):
        code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / f"s{index}"),
                             "--shard", f"{index}/3", "--jobs", "1")
        assert code == 0
        shards[index] = pdfs(tmp_path / f"s{index}")
    assert list(shards[1]) == ["0001-baclofen.pdf", "0004-baclofen.pdf", "0007-baclofen.pdf"]
    assert list(shards[2]) == ["0002-baclofen.pdf", "0005-baclofen.pdf"]
    names = [name for files in shards.values() for name in files]
    assert len(names) == len(set(names))
    assert {k: v for files in shards.values() for k, v in files.items()} == pdfs(tmp_path / "all")


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1/0", "two/3"])
def test_a_bad_shard_is_a_usage_error(tmp_path, batch, shard, capsys):
    listing = write_csv(tmp_path / "rx.csv", [good_row(1)])
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(listing), "--out-dir", str(tmp_path / "o"), "--shard", shard])
    assert exc.value.code == 2
    assert "--shard" in capsys.readouterr().err


def test_combined_starts_every_leaflet_on_a_new_sheet(tmp_path, batch):
    rows = [good_row(1), {**good_row(2), "schedule": "5 mg 3 times a day for 30 days"}]
    listing = write_csv(tmp_path / "rx.csv", rows)
    combined = tmp_path / "day.pdf"
    code, out, _ = batch(str(listing), "--combined", str(combined), "--out-dir",
                         str(tmp_path / "out"))
    assert code == 0
    singles = [reader(data) for data in pdfs(tmp_path / "out").values()]
    counts = [len(pdf.pages) for pdf in singles]
    padded = [count + count % 2 for count in counts]
    texts = page_texts(combined.read_bytes())
    assert len(texts) == sum(padded)
    assert out[-1] == f"wrote {combined} ({sum(padded)} pages)"
    starts = [0, padded[0]]
    for start, name, count in zip(starts, ("Number1", "Number2"), counts, strict=True):
        assert texts[start].startswith("Your medicine") and f"Patient {name}" in texts[start]
        if count % 2:
            assert texts[start + count].strip() == ""
    meta = reader(combined.read_bytes()).metadata
    assert "Patient" not in str(meta.get("/Author", "")) and "Number1" not in str(meta)


def test_a_combined_file_only(tmp_path, batch):
    listing = write_csv(tmp_path / "rx.csv", [good_row(1)])
    code, out, _ = batch(str(listing), "--combined", str(tmp_path / "day.pdf"))
    assert code == 0 and out[0] == "built 1 of 1 row"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day.pdf", "rx.csv"]


def test_rerunning_overwrites_and_a_failed_row_keeps_the_old_file(tmp_path, batch):
    listing = write_csv(tmp_path / "rx.csv", [good_row(1), good_row(2)])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "0001-baclofen.pdf").write_bytes(b"stale")
    (out_dir / "0002-baclofen.pdf").write_bytes(b"%PDF- yesterday's good leaflet")
    rows = [good_row(1), {**good_row(2), "start_date": "2026-13-01"}]
    write_csv(listing, rows)
    code, _, err = batch(str(listing), "--out-dir", str(out_dir))
    assert code == 1 and "row 2:" in err[0] and "start_date" in err[0]
    assert (out_dir / "0001-baclofen.pdf").read_bytes().startswith(b"%PDF-1.")
    assert (out_dir / "0002-baclofen.pdf").read_bytes() == b"%PDF- yesterday's good leaflet"
    assert sorted(p.name for p in out_dir.iterdir()) == ["0001-baclofen.pdf",
                                                         "0002-baclofen.pdf"]


def test_a_yaml_list_reports_file_line_and_key(tmp_path, batch):
    listing = tmp_path / "rx.yaml"
    listing.write_text(f"""\
- content: {BACLOFEN}
  output: jane.pdf
  name: Jane Example
  prescriber: Dr Amir Patel
  pharmacy: Riverside Pharmacy
  start_date: 2026-03-12
  times: [8:00, 20:00]
  steps:
    - {{days: 7, dose: 5 mg, times_a_day: 2}}
    - {{dose: 10 mg, times_a_day: 2}}
- content: {BACLOFEN}
  name: John Example
  prescriber: Dr Amir Patel
  pharmacy: Riverside Pharmacy
  start_date: 2026-03-12
  times: [8:00, 20:00]
  steps:
    - {{dose: 50 mg, times_a_day: 2}}
""", "utf-8")
    code, _, err = batch(str(listing), "--out-dir", str(tmp_path / "out"))
    assert code == 1
    assert list(pdfs(tmp_path / "out")) == ["jane.pdf"]
    assert err == [f"error: row 2: {listing}:18: steps[0].dose: 50 mg 2 times a day is 100 mg "
                   f"a day, above the maximum of 80 mg a day ({BACLOFEN}:{MAX_DOSE_LINE})"]


def test_problems_with_the_list_itself_stop_before_any_work(tmp_path, batch):
    listing = write_csv(tmp_path / "rx.csv", [{**good_row(1), "notes": "x"}],
                        [*HEADER, "notes"])
    code, _, err = batch(str(listing), "--out-dir", str(tmp_path / "out"))
    assert code == 1
    assert err == [f"error: {listing}:1: notes: unknown column; did you mean 'note'? "
                   "(a misspelt column would be ignored)"]
    assert not (tmp_path / "out").exists()
    code, _, err = batch(str(tmp_path / "nothing.csv"), "--out-dir", str(tmp_path / "out"))
    assert code == 1 and err == [f"error: {tmp_path / 'nothing.csv'}: file not found"]
    code, _, err = batch(str(listing))
    assert code == 2 and "give --out-dir, --combined or both" in err[0]


def test_a_schedule_cell_that_does_not_read_is_named(tmp_path, batch):
    rows = [{**good_row(1), "schedule": "5 mg thrice daily"}]
    listing = write_csv(tmp_path / "rx.csv", rows)
    code, _, err = batch(str(listing), "--out-dir", str(tmp_path / "out"))
    assert code == 1
    assert err[0].startswith(f"error: row 1: {listing}:2: schedule: step 1 '5 mg thrice "
                             "daily': expected e.g. '5 mg 3 times a day for 3 days'")


def test_progress_bar_only_on_a_terminal(tmp_path, batch, monkeypatch):
    listing = write_csv(tmp_path / "rx.csv", [good_row(1)])
    _, _, err = batch(str(listing), "--out-dir", str(tmp_path / "a"))
    assert err == []
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _, _, err = batch(str(listing), "--out-dir", str(tmp_path / "b"))
    assert err and err[-1].endswith("] 1/1")


def test_joined_and_combined_pdfs_are_well_formed(tmp_path, batch):
    import warnings

    import pypdf
    import pypdfium2

    listing = write_csv(tmp_path / "rx.csv", [good_row(1), good_row(2)])
    code, _, _ = batch(str(listing), "--out-dir", str(tmp_path / "out"), "--combined",
                       str(tmp_path / "day.pdf"))
    assert code == 0
    for path in [*sorted((tmp_path / "out").iterdir()), tmp_path / "day.pdf"]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pdf = pypdf.PdfReader(path, strict=True)
            assert all(page.extract_text() is not None for page in pdf.pages)
        document = pypdfium2.PdfDocument(path)
        assert len(document) == len(pdf.pages)
        document.close()


def test_yaml_rows_may_carry_keys_for_the_name_pattern_and_duplicates_are_refused(tmp_path,
                                                                                  batch):
    row = f"""\
- content: {BACLOFEN}
  id: RX-N
  name: Jane Example
  prescriber: Dr Amir Patel
  pharmacy: Riverside Pharmacy
  start_date: 2026-03-12
  times: [8:00]
  steps: [{{dose: 10 mg, times_a_day: 1}}]
"""
    listing = tmp_path / "rx.yaml"
    listing.write_text("".join(row.replace("-N", n) for n in "121"), "utf-8")
    code, out, err = batch(str(listing), "--out-dir", str(tmp_path / "out"), "--name",
                           "{id}.pdf")
    assert code == 1
    assert list(pdfs(tmp_path / "out")) == ["RX2.pdf"]
    assert err == [f"error: row 1: {listing}:1: --name: 'RX1.pdf' is also the file of row 3; "
                   "every row needs a file of its own",
                   f"error: row 3: {listing}:17: --name: 'RX1.pdf' is also the file of row 1; "
                   "every row needs a file of its own"]
    assert out == ["built 1 of 3 rows; 2 failed (rows 1, 3)"]


def test_the_main_process_of_a_parallel_batch_does_no_layout(tmp_path):
    """Workers lay out; the process that reads the list never imports ReportLab's layout."""
    listing = write_csv(tmp_path / "rx.csv", [good_row(1), good_row(2)])
    script = ("import sys; from leaflet.cli import main; "
              f"code = main(['batch', {str(listing)!r}, '--out-dir', {str(tmp_path / 'o')!r}, "
              "'--jobs', '2']); "
              "print(code, 'reportlab.platypus' in sys.modules, 'pypdf' in sys.modules)")
    assert fresh_python(script).strip().splitlines()[-1] == "0 False False"
    assert len(pdfs(tmp_path / "o")) == 2


def test_nothing_built_means_no_combined_file(tmp_path, batch):
    listing = write_csv(tmp_path / "rx.csv", [{**good_row(1), "start_date": "soon"}])
    code, out, _ = batch(str(listing), "--combined", str(tmp_path / "day.pdf"))
    assert code == 1 and not (tmp_path / "day.pdf").exists()
    assert out[-1] == f"no leaflet was built, so {tmp_path / 'day.pdf'} was not written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rx.csv"]


def test_a_row_whose_dose_is_not_whole_half_tablets_is_that_row_s_error(tmp_path, batch):
    rows = [good_row(1), {**good_row(2), "schedule": "12 mg 3 times a day for 3 days; "
                                                    "10 mg 3 times a day"}]
    listing = write_csv(tmp_path / "list.csv", rows)
    code, out, err = batch(str(listing), "--out-dir", str(tmp_path / "out"), "--jobs", "1")
    strength_line = next(n for n, line in enumerate(BACLOFEN.read_text("utf-8").splitlines(), 1)
                         if "strength:" in line)
    assert code == 1
    assert err == [f"error: row 2: {listing}:3: schedule: step 1: 12 mg is not a whole number "
                   f"of half tablets of 10 mg ({BACLOFEN}:{strength_line}); check the "
                   "prescription"]
    assert out == ["built 1 of 2 rows; 1 failed (rows 2)"]


def test_content_warnings_are_printed_once_per_content_file(tmp_path, capsys):
    """`build` prints the checks' warnings (placeholders, a draft); a batch does too, once for
    each content file however many rows and workers use it."""
    assert main(["build", str(BACLOFEN), "-o", str(tmp_path / "one.pdf")]) == 0
    from_build = [line for line in capsys.readouterr().err.splitlines()
                  if line.startswith("warning: ")]
    listing = write_csv(tmp_path / "rx.csv", [good_row(n) for n in range(1, 6)])
    assert main(["batch", str(listing), "--out-dir", str(tmp_path / "o"), "--jobs", "2"]) == 0
    from_batch = [line for line in capsys.readouterr().err.splitlines()
                  if line.startswith("warning: ")]
    assert from_build and sorted(from_batch) == sorted(from_build)


def test_the_print_file_may_not_be_a_rows_file(tmp_path, batch):
    listing = write_csv(tmp_path / "rx.csv", [good_row(1), good_row(2)])
    out = tmp_path / "o"
    code, out_lines, err = batch(str(listing), "--out-dir", str(out), "--combined",
                                 str(out / "0002-baclofen.pdf"))
    assert code == 2 and out_lines == []
    assert err == [f"error: {out / '0002-baclofen.pdf'}: the print file would also be row 2's "
                   "file; give it a name of its own"]
    assert not out.exists() or list(out.iterdir()) == []


def test_content_warnings_survive_a_first_row_that_fails(tmp_path, capsys):
    """The warnings travel with the first row built from the content, not with the first
    row tried, which may fail for its own reasons."""
    rows = [{**good_row(1), "name": "Patient \U0001F600"}, good_row(2), good_row(3)]
    listing = write_csv(tmp_path / "rx.csv", rows)
    assert main(["batch", str(listing), "--out-dir", str(tmp_path / "o"), "--jobs", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "built 2 of 3 rows; 1 failed (rows 1)"
    assert any(line.startswith("warning: ") and "placeholder" in line
               for line in captured.err.splitlines())
