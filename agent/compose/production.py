"""Answers about production: work order progress, machine performance and maintenance status."""

from __future__ import annotations

from datetime import date

from agent.compose.base import Style, bullet_list, composer
from textkit.format import day, money, pct, qty
from tools.production_machines import MachinePerf, MachinePerfResult, PerfFigures
from tools.production_maint import MachineMaint, MaintStatusResult
from tools.production_wo import WoProgressResult, WorkOrderProgress

WO_STATUS = {
    "Scheduled": ("Terjadwal", "Scheduled"),
    "In Progress": ("Sedang berjalan", "In progress"),
    "Completed": ("Selesai", "Completed"),
}


def _status(status: str, style: Style) -> str:
    names = WO_STATUS.get(status)
    return style.t(*names) if names else status


def _span(start: date | None, end: date | None, style: Style) -> str:
    if start is None or end is None:
        return style.t("jadwal belum ditentukan", "no schedule")
    return day(start, style.lang) if start == end else f"{day(start, style.lang)} – {day(end, style.lang)}"


def _wo_line(o: WorkOrderProgress, style: Style) -> str:
    """One order in a list: progress against schedule first, then what and where."""
    lang = style.lang
    flag = style.t(" ⚠ terlambat", " ⚠ behind") if o.behind else ""
    line = (
        f"{o.doc_no} {o.item_name}: {qty(o.actual_qty, lang)}/{qty(o.plan_qty, lang)} "
        f"({pct(o.progress_pct, lang)}; {style.t('jadwal', 'schedule')} {pct(o.expected_pct, lang)}){flag}"
    )
    if style.tier == "executive":
        return f"{line}, {style.t('selesai', 'due')} {day(o.end_dt, lang) if o.end_dt else '-'}"
    reject = f"reject {qty(o.reject_qty, lang)} ({pct(o.reject_rate_pct, lang)})"
    when = _span(o.start_dt, o.end_dt, style)
    return f"{line} · {o.machine_code} · {reject} · {_status(o.status, style)} · {when}"


def _wo_detail(o: WorkOrderProgress, style: Style) -> str:
    """One work order asked for by number."""
    lang = style.lang
    verdict = (
        style.t("terlambat dari jadwal", "behind schedule")
        if o.behind
        else style.t("sesuai jadwal", "on schedule")
    )
    lines = [
        f"*{o.doc_no}: {pct(o.progress_pct, lang)} {style.t('selesai', 'done')}, {verdict}*",
        f"{o.item_name} ({o.item_code}): {qty(o.actual_qty, lang)} / {qty(o.plan_qty, lang)}",
        f"{style.t('Target jadwal hari ini', 'Expected by today')}: {pct(o.expected_pct, lang)}",
        f"Status: {_status(o.status, style)} · {_span(o.start_dt, o.end_dt, style)}",
        f"{style.t('Mesin', 'Machine')}: {o.machine_code} {o.machine_name}",
    ]
    if style.tier != "executive" or o.reject_qty:
        lines.append(f"Reject: {qty(o.reject_qty, lang)} ({pct(o.reject_rate_pct, lang)})")
    if o.so_doc_no:
        lines.append(f"{style.t('Untuk', 'For')} {o.so_doc_no}")
    return "\n".join(lines)


@composer("wo_progress")
def compose_wo_progress(data: WoProgressResult, style: Style) -> str:
    """Work order progress: one order in detail, or a list with the behind ones flagged."""
    if data.doc_no and data.orders:
        return _wo_detail(data.orders[0], style)
    where = f" {style.t('di', 'on')} {data.machine}" if data.machine else ""
    kind = style.t(" terbuka", " open") if data.status == "open" else ""
    if not data.orders:
        return style.t(f"Tidak ada WO{kind}{where}.", f"No{kind} work orders{where}.")
    head = style.t(
        f"*{data.count} WO{kind}{where}, {data.behind_count} terlambat*",
        f"*{data.count}{kind} work order{'' if data.count == 1 else 's'}{where}, {data.behind_count} behind*",
    )
    orders = sorted(data.orders, key=lambda o: not o.behind)  # behind ones first
    return "\n".join([head, *bullet_list([_wo_line(o, style) for o in orders], style)])


def _period(data: MachinePerfResult, style: Style) -> str:
    return data.label or _span(data.start, data.end, style)


def _perf_line(name: str, f: PerfFigures, style: Style) -> str:
    """Output, rejects (count and rate), OEE and downtime; good output and error codes below executives."""
    lang = style.lang
    flag = " ⚠" if f.above_threshold else ""
    line = (
        f"{name}: output {qty(f.output_qty, lang)} · reject {qty(f.reject_qty, lang)} "
        f"({pct(f.reject_rate_pct, lang)}){flag} · OEE {pct(f.oee_pct, lang)} · "
        f"downtime {qty(f.downtime_min, lang)} {style.t('menit', 'min')}"
    )
    if style.tier == "executive":  # the most frequent error code only: enough to know what stops the line
        return line + (f" · error {f.error_codes[0].code}" if f.error_codes else "")
    line += f" · {style.t('baik', 'good')} {qty(f.good_qty, lang)}"
    if f.error_codes:
        line += " · error " + ", ".join(f"{e.code} ×{e.count}" for e in f.error_codes[:3])
    return line


def _shift_lines(m: MachinePerf, style: Style) -> list[str]:
    lang = style.lang
    return [
        f"  {m.code} shift {s.shift}: output {qty(s.output_qty, lang)}, reject {qty(s.reject_qty, lang)} "
        f"({pct(s.reject_rate_pct, lang)}), downtime {qty(s.downtime_min, lang)} {style.t('menit', 'min')}"
        for s in m.by_shift
    ]


@composer("machine_performance")
def compose_machine_performance(data: MachinePerfResult, style: Style) -> str:
    """Machine performance: a threshold verdict first, then each machine's rates and the plant total."""
    lang, limit = style.lang, pct(data.threshold_pct, style.lang)
    above = [m for m in data.machines if m.above_threshold]
    if not data.total.shifts:
        return style.t(
            f"Tidak ada log shift untuk {_period(data, style)}.", f"No shift logs for {_period(data, style)}."
        )
    if above:
        names = ", ".join(f"{m.code} {m.name} ({pct(m.reject_rate_pct, lang)})" for m in above)
        head = style.t(f"*Reject di atas batas {limit}: {names}*", f"*Reject rate above {limit}: {names}*")
    elif len(data.machines) == 1:
        one = data.machines[0]
        rate = pct(one.reject_rate_pct, lang)
        head = style.t(
            f"*{one.code} {one.name}: reject {rate}, di bawah batas {limit}*",
            f"*{one.code} {one.name}: reject rate {rate}, below the {limit} limit*",
        )
    else:
        head = style.t(
            f"*Semua mesin di bawah batas reject {limit}*", f"*All machines below the {limit} reject limit*"
        )
    lines = [head, f"{style.t('Periode', 'Period')}: {_period(data, style)}"]
    rows = [_perf_line(f"{m.code} {m.name}", m, style) for m in data.machines]
    lines += bullet_list(rows, style)
    if len(data.machines) > 1:
        lines.append(_perf_line(style.t("Total pabrik", "Plant total"), data.total, style))
    for m in data.machines:  # per-shift rows exist only when the question asked for them
        lines += _shift_lines(m, style)
    if above and style.tier == "operator":
        lines.append(
            style.t(
                "Cek manual mesin untuk kode error di atas.", "Check the machine manual for the error codes."
            )
        )
    return "\n".join(lines)


def _due_text(m: MachineMaint, style: Style) -> str:
    lang = style.lang
    if m.next_due_dt is None or m.days_until_due is None:
        return style.t("belum ada riwayat servis preventif", "no preventive service on record")
    if m.overdue:
        late = -m.days_until_due
        return style.t(
            f"TERLAMBAT {late} hari (jatuh tempo {day(m.next_due_dt, lang)})",
            f"OVERDUE by {late} days (due {day(m.next_due_dt, lang)})",
        )
    if m.days_until_due == 0:
        return style.t(
            f"jatuh tempo hari ini ({day(m.next_due_dt, lang)})", f"due today ({day(m.next_due_dt, lang)})"
        )
    return style.t(
        f"jatuh tempo {day(m.next_due_dt, lang)} ({m.days_until_due} hari lagi)",
        f"due {day(m.next_due_dt, lang)} (in {m.days_until_due} days)",
    )


def _maint_line(m: MachineMaint, style: Style) -> str:
    line = f"{m.code} {m.name}: {_due_text(m, style)}"
    if style.tier == "executive":
        return line
    last = day(m.last_preventive_dt, style.lang) if m.last_preventive_dt else "-"
    return (
        f"{line}; {style.t('servis terakhir', 'last service')} {last}, "
        f"{style.t('interval', 'interval')} {m.maint_int_days} {style.t('hari', 'days')}, "
        f"{qty(m.run_hours, style.lang)} {style.t('jam jalan', 'run hours')}"
    )


def _job_lines(m: MachineMaint, style: Style) -> list[str]:
    lang, jobs = style.lang, []
    for j in m.recent_jobs:
        kind = (
            style.t("Preventif", "Preventive")
            if j.maint_type == "Preventive"
            else (style.t("Korektif", "Corrective") if j.maint_type == "Corrective" else j.maint_type)
        )
        cost = "" if style.tier == "operator" else f", {money(j.cost, lang)}"
        minutes = f"{j.downtime_min} {style.t('menit', 'min')}"
        jobs.append(f"{day(j.maint_dt, lang)} {kind}: {minutes}{cost} — {j.notes or '-'}")
    return jobs


@composer("maintenance_status")
def compose_maintenance_status(data: MaintStatusResult, style: Style) -> str:
    """Maintenance: overdue machines first, each machine's next due date, recent jobs for one machine."""
    overdue = [m for m in data.machines if m.overdue]
    if overdue:
        names = ", ".join(f"{m.code} {m.name}" for m in overdue)
        machines = "machine" if len(overdue) == 1 else "machines"
        head = style.t(
            f"*{len(overdue)} mesin lewat jadwal maintenance: {names}*",
            f"*{len(overdue)} {machines} overdue for maintenance: {names}*",
        )
    else:
        head = style.t("*Tidak ada maintenance yang terlambat*", "*No maintenance is overdue*")
    ordered = sorted(data.machines, key=lambda m: (m.days_until_due is None, m.days_until_due or 0))
    lines = [head, *bullet_list([_maint_line(m, style) for m in ordered], style)]
    if len(data.machines) == 1 and data.machines[0].recent_jobs:
        lines.append(style.t("Riwayat terakhir:", "Recent jobs:"))
        lines += bullet_list(_job_lines(data.machines[0], style), style)
    return "\n".join(lines)
