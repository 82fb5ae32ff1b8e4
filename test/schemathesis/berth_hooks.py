"""Schemathesis hooks for the run against berth serve (test/integration/api/schemathesis.test.ts).

Some fields of a valid request depend on the server's state and the clock, not on any schema: the
pool, node and team must exist, a booking's window must lie ahead on the booking grid, a series must
end after it starts. Schemathesis applies the configuration's body values in some phases only, so
this hook sets them on every positive case, from the objects test/schemathesis/seed.ts created (its
ids and times come in the environment); a positive DELETE of a webhook gets a webhook of its own. Negative cases are left exactly as generated, and every
other field of a positive case stays generated.
"""

import json
import os
import urllib.request

import schemathesis


def _fields(env):
    window = {"start": env["BERTH_ST_START"], "end": env["BERTH_ST_END"]}
    return {
        "POST /api/v1/reservations": {"pool": "V100", "nodes": 1, "gpusPerNode": 1, "team": "vision", **window},
        "PATCH /api/v1/reservations/{id}": {"end": env["BERTH_ST_RESERVATION_END"]},
        "POST /api/v1/jobs": {
            "kind": "external",
            "pool": "T4",
            "gpus": 1,
            "team": "vision",
            "spec": {"image": "busybox:1.36"},
        },
        "POST /api/v1/maintenance": {"node": "P100-1", **window},
        "POST /api/v1/models": {"team": "vision"},
        "POST /api/v1/models/{id}/promote": {"pool": "V100"},
        "POST /api/v1/tokens": {"team": "vision"},
        "POST /api/v1/webhooks": {"team": "vision", "url": "http://127.0.0.1:9/berth"},
    }


# Optional fields that name state the seed does not hold, or a time the clock has passed.
_DROPPED = {
    "POST /api/v1/jobs": ("reservation",),
    "POST /api/v1/tokens": ("expiresAt",),
}


def _fresh_webhook(env):
    """A webhook of its own for each positive DELETE: deleting one twice is a 404, by design."""
    request = urllib.request.Request(
        f"{env['BERTH_ST_URL']}/api/v1/webhooks",
        data=json.dumps({"team": "vision", "url": "http://127.0.0.1:9/berth", "events": ["job.failed"]}).encode(),
        headers={"authorization": f"Bearer {env['BERTH_ST_ADMIN']}", "content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["id"]


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative:
        return
    label = f"{case.method.upper()} {case.path}"
    if label == "DELETE /api/v1/webhooks/{id}" and case.path_parameters is not None:
        case.path_parameters["id"] = _fresh_webhook(os.environ)
        return
    if not isinstance(case.body, dict):
        return
    fields = _fields(os.environ).get(label)
    if fields is None:
        return
    for name in _DROPPED.get(label, ()):
        case.body.pop(name, None)
    case.body.update(fields)
    repeat = case.body.get("repeat")
    if label == "POST /api/v1/reservations" and isinstance(repeat, dict):
        # A series ends after its first start, within the horizon.
        repeat["until"] = os.environ["BERTH_ST_UNTIL"]
        repeat.pop("timeZone", None)
