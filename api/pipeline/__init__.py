"""What happens to a check-in after it is stored, in one package.

- ``submit``: the safety alerts a check-in raises at submit, with their first notifications,
  in the patient's own transaction, and what the commit publishes;
- ``evaluate``: the worker's evaluation (history, trend rules, late arrivals, the summary);
- ``alerts``: raising alerts exactly once per key;
- ``notify``: who hears of an alert, over which channels (the deliveries of one round);
- ``escalation``: the next round when nobody acknowledges;
- ``summary``: the panel's stored summary of a patient, refreshed explicitly by every
  operation that changes the patient's history;
- ``routing``: task names and which queue each message goes to;
- ``settings``: a clinic's rule settings as the rules read them.

The Celery tasks in ``worker/tasks/`` are thin adapters: they call into this package, commit,
then publish. The maths (scores, trends, rules, courses, summaries) is ``surveys``.
"""
