"""Benchmark data for the reports, on top of ``seed_bench``'s suppliers: meetings (with one of
our people at each), commitments, quarterly reviews, contracts, a few escalations and every
supplier's annual spend. Generated inside PostgreSQL (``INSERT … SELECT`` over
``generate_series``): nothing crosses the wire, which beats even COPY for synthetic rows.
Only suppliers with none of a kind yet get rows of it, so a second run tops up."""

from __future__ import annotations

from collections.abc import Callable

import pgtrigger
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from reviews.models import ScorecardTemplate
from suppliers.models import Supplier

SEEDED = "BENCH-%"
AUDIT_TRIGGERS = [
    "meetings.Meeting:insert_insert",
    "meetings.Commitment:insert_insert",
    "reviews.Review:insert_insert",
    "contracts.Contract:insert_insert",
    "suppliers.Supplier:update_update",
]

# Each bench supplier with its owner (every seeded supplier has one).
_OWNED = """
  SELECT s.id, s.segment, s.status AS supplier_status, o.user_id AS owner_id
    FROM suppliers_supplier s
    JOIN suppliers_keyaccountownership o
      ON o.supplier_id = s.id AND o.role = 'owner' AND o.until IS NULL
   WHERE s.external_id LIKE %s
"""

SPEND = """
UPDATE suppliers_supplier s SET annual_spend = round((CASE s.segment
         WHEN 'strategic' THEN 400000 + random() * 4600000
         WHEN 'leverage' THEN 150000 + random() * 1850000
         WHEN 'bottleneck' THEN 8000 + random() * 112000
         ELSE 500 + random() * 39500 END)::numeric, -3)
 WHERE s.external_id LIKE %s AND s.annual_spend IS NULL
"""

MEETINGS = f"""
WITH owned AS ({_OWNED}),
todo AS (
  SELECT * FROM owned
   WHERE NOT EXISTS (SELECT 1 FROM meetings_meeting m WHERE m.supplier_id = owned.id)
),
made AS (
  INSERT INTO meetings_meeting (supplier_id, kind, starts_at, location, subject, notes, outcome,
                                logged_by_id, created_at, updated_at)
  SELECT t.id, k.kind, t.at, '', 'Bench meeting', '', '', t.owner_id, t.at, t.at
    FROM (SELECT todo.*, now() - random() * interval '540 days' AS at, random() AS pick
            FROM todo, generate_series(1, %s)) t
    CROSS JOIN LATERAL (SELECT CASE
            WHEN t.pick < .20 THEN 'in_person' WHEN t.pick < .55 THEN 'video_call'
            WHEN t.pick < .80 THEN 'phone_call' WHEN t.pick < .90 THEN 'qbr'
            WHEN t.pick < .95 THEN 'site_audit' ELSE 'other' END AS kind) k
  RETURNING id, logged_by_id
)
INSERT INTO meetings_meeting_our_attendees (meeting_id, user_id) SELECT id, logged_by_id FROM made
"""  # noqa: S608 - constant fragments; values go as parameters

COMMITMENTS = f"""
WITH owned AS ({_OWNED})
INSERT INTO meetings_commitment (supplier_id, description, side, owner_user_id, due_date, status,
                                 completed_at, completed_by_id, note, created_by_id, created_at,
                                 updated_at)
SELECT c.id, 'Bench promise', 'ours', c.owner_id, c.due, c.status,
       CASE WHEN c.status = 'done' THEN c.due + (random() * 20 - 12) * interval '1 day' END,
       CASE WHEN c.status = 'done' THEN c.owner_id END, '', c.owner_id, now(), now()
  FROM (SELECT owned.*, current_date + (random() * 260 - 200)::int AS due,
               CASE WHEN random() < .6 THEN 'done' ELSE 'open' END AS status
          FROM owned, generate_series(1, 2)
         WHERE NOT EXISTS (SELECT 1 FROM meetings_commitment x WHERE x.supplier_id = owned.id)
       ) c
"""  # noqa: S608 - constant fragments; values go as parameters

# Four quarters of reviews for every active supplier outside the routine segment: the last
# three submitted, the latest one submitted by most and overdue for a few.
REVIEWS = f"""
WITH owned AS ({_OWNED}),
quarters AS (
  SELECT q, (date_trunc('quarter', current_date) - (q * interval '3 months'))::date AS period_end
    FROM generate_series(0, 3) q
)
INSERT INTO reviews_review (supplier_id, template_id, period_start, period_end, due_date, status,
                            owner_id, overall_score, standing, is_partial, summary, submitted_at,
                            submitted_by_id, reopen_reason, created_at, updated_at)
SELECT r.id, %s, r.period_start, r.period_end - 1, r.period_end + 29,
       CASE WHEN r.late THEN 'scheduled' ELSE 'submitted' END, r.owner_id,
       CASE WHEN r.late THEN NULL ELSE r.score END,
       CASE WHEN r.late THEN NULL WHEN r.score < 40 THEN 'very_poor' WHEN r.score < 55 THEN 'poor'
            WHEN r.score < 75 THEN 'average' ELSE 'excellent' END,
       false, '', CASE WHEN r.late THEN NULL ELSE r.period_end + 20 END,
       CASE WHEN r.late THEN NULL ELSE r.owner_id END, '', now(), now()
  FROM (SELECT owned.*, quarters.period_end,
               (quarters.period_end - interval '3 months')::date AS period_start,
               round((35 + random() * 60)::numeric, 2) AS score,
               quarters.q = 1 AND random() < .15 AS late
          FROM owned, quarters
         WHERE owned.supplier_status = 'active' AND owned.segment <> 'routine' AND quarters.q > 0
           AND NOT EXISTS (SELECT 1 FROM reviews_review x WHERE x.supplier_id = owned.id)
       ) r
"""  # noqa: S608 - constant fragments; values go as parameters

CONTRACTS = f"""
WITH owned AS ({_OWNED})
INSERT INTO contracts_contract (number, title, supplier_id, owner_id, status, value, currency,
                                start_date, end_date, notice_period_days, auto_renew,
                                description, version, termination_reason, created_at, updated_at)
SELECT 'BENCH-C-' || c.id, 'Bench frame agreement', c.id, c.owner_id,
       CASE WHEN random() < .9 THEN 'active' ELSE 'draft' END,
       round((10000 + random() * 4990000)::numeric, -2), 'EUR', c.start,
       c.start + (365 * (1 + floor(random() * 3)))::int,
       (ARRAY[30, 60, 90])[1 + floor(random() * 3)],
       random() < .3, '', 1, '', now(), now()
  FROM (SELECT owned.*, current_date - (random() * 900)::int AS start FROM owned
         WHERE owned.supplier_status IN ('active', 'suspended')
           AND NOT EXISTS (SELECT 1 FROM contracts_contract x WHERE x.supplier_id = owned.id)
       ) c
"""  # noqa: S608 - constant fragments; values go as parameters

ESCALATIONS = f"""
WITH owned AS ({_OWNED})
INSERT INTO escalations_escalation (supplier_id, content_type_id, object_id, reason,
                                    summary_code, summary_params,
                                    severity, level, status, acknowledge_by, raised_at,
                                    resolution, resolution_code, resolution_params,
                                    updated_at)
SELECT e.id, %s, e.id, 'overdue_review', 'legacy', '{{"text": "Bench escalation"}}', 'medium',
       1 + floor(random() * 3)::int, 'open', e.raised + interval '3 days', e.raised, '', '',
       '{{}}', now()
  FROM (SELECT owned.*, now() - random() * interval '60 days' AS raised FROM owned
         WHERE random() < .02
           AND NOT EXISTS (SELECT 1 FROM escalations_escalation x WHERE x.supplier_id = owned.id)
       ) e
"""  # noqa: S608 - constant fragments; values go as parameters


def seed_report_data(*, meetings_per_supplier: int, say: Callable[[str], None]) -> None:
    """Adds the reports' data for every seeded supplier that lacks it."""
    template, _created = ScorecardTemplate.objects.get_or_create(name="Bench", version=1)
    supplier_type = ContentType.objects.get_for_model(Supplier).pk
    # Positional parameters, in the order they appear (the seeded suppliers come first).
    steps: list[tuple[str, str, list[str | int]]] = [
        ("annual spend", SPEND, [SEEDED]),
        ("meetings", MEETINGS, [SEEDED, meetings_per_supplier]),
        ("commitments", COMMITMENTS, [SEEDED]),
        ("reviews", REVIEWS, [SEEDED, template.pk]),
        ("contracts", CONTRACTS, [SEEDED]),
        ("escalations", ESCALATIONS, [SEEDED, supplier_type]),
    ]
    # Seed rows are not history: the audit triggers stay off, as for the suppliers.
    with transaction.atomic(), pgtrigger.ignore(*AUDIT_TRIGGERS), connection.cursor() as cursor:
        for label, sql, params in steps:
            cursor.execute(sql, params)
            say(f"  {label}: {cursor.rowcount:,} rows")
    with connection.cursor() as cursor:
        for table in (
            "meetings_meeting",
            "meetings_meeting_our_attendees",
            "meetings_commitment",
            "reviews_review",
            "contracts_contract",
            "escalations_escalation",
            "suppliers_supplier",
        ):
            cursor.execute(f"ANALYZE {table}")
