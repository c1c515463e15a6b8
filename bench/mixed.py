"""The realistic load and the write-only load, as wrk Lua scripts.

Realistic: many logged-in users (employees and managers), each with a walk of their own
(the list, a page further on, a search, a filter, idea pages and, for managers, the
inbox and the ideas they handle). Every request picks a user at random and a page of
that user's walk, with that user's session cookie; WRITE_SHARE of the requests write
instead, through the real form endpoints with the user's CSRF token: a support (each
one an idea the user did not support yet), a comment, or, by managers only, a status
change on an idea of a unit they manage (assessing -> declined -> assessing ...).

Write-only: one wrk thread (one connection) per writer, each posting comments on an idea
of its own.

The scripts count the answers by status code and, when the server says so in an
``X-Page-Cache: hit|miss`` header, the page cache's hits and misses.
"""

from __future__ import annotations

import json
import random
import urllib.parse
from dataclasses import dataclass, field

import psycopg

from bench.load import COMMON_WORD, VOCABULARY

WRITE_SHARE = 0.05
SEARCH_WORDS = [COMMON_WORD, *VOCABULARY[:40]]
STATUSES_SEEN = ["submitted", "assessing", "accepted", "implemented"]
COMMENT_TEXT = "Bench: en kommentar från lasttestet."
DECLINE_TEXT = "Bench: inte just nu."


@dataclass
class BenchUser:
    id: int
    email: str
    manager: bool
    walk: list[str] = field(default_factory=list)
    support: list[int] = field(default_factory=list)  # open ideas not supported yet
    comment: list[int] = field(default_factory=list)
    status: list[int] = field(default_factory=list)  # ideas in "assessing" they manage
    cookie: str = ""
    csrf: str = ""


def choose_users(url: str, n: int, seed: int = 2026) -> list[BenchUser]:
    """``n`` distinct users, a quarter of them managers (of units at every level, present,
    each with ideas being assessed in a unit they manage), spread over the whole
    population, with their walks and what they may write."""
    rng = random.Random(seed)
    n_managers = max(1, n // 4)
    with psycopg.connect(url) as conn:
        managers = conn.execute(
            "SELECT u.id, u.email, array_agg(i.id ORDER BY i.id) FROM users u "
            "JOIN units un ON un.manager_id = u.id "
            "JOIN items i ON i.unit_id = un.id AND i.kind = 'idea' "
            "AND i.status = 'assessing' AND i.driver_id IS NULL "
            "WHERE u.role = 'manager' AND u.active AND NOT u.absent "
            "GROUP BY u.id, u.email ORDER BY u.id"
        ).fetchall()
        employees = conn.execute(
            "SELECT id, email FROM users WHERE role = 'employee' AND active ORDER BY id"
        ).fetchall()
        ideas = conn.execute(
            "SELECT id, status FROM items WHERE kind = 'idea' AND status <> 'duplicate' "
            "AND merged_into_id IS NULL ORDER BY id"
        ).fetchall()
        open_ideas = [i for i, s in ideas if s in ("submitted", "acknowledged", "assessing")]
        picked_m = managers[:: max(1, len(managers) // n_managers)][:n_managers]
        picked_e = employees[:: max(1, len(employees) // (n - len(picked_m)))]
        picked_e = picked_e[: n - len(picked_m)]
        users = [BenchUser(uid, email, True) for uid, email, _ in picked_m]
        users += [BenchUser(uid, email, False) for uid, email in picked_e]
        supported: dict[int, set[int]] = {}
        for uid, item in conn.execute(
            "SELECT user_id, item_id FROM supports WHERE user_id = ANY(%s)",
            ([u.id for u in users],),
        ):
            supported.setdefault(uid, set()).add(item)
    handled = {uid: items[:6] for uid, _, items in picked_m}
    changing = {i for items in handled.values() for i in items}
    idea_ids = [i for i, _ in ideas]
    open_ideas = [i for i in open_ideas if i not in changing]
    for u in users:
        pages = rng.sample(idea_ids, 6)
        u.walk = [
            "/ideas",
            f"/ideas?page={rng.randint(2, 30)}",
            "/ideas?q=" + urllib.parse.quote(rng.choice(SEARCH_WORDS)),
            f"/ideas?status={rng.choice(STATUSES_SEEN)}",
            *(f"/ideas/{i}" for i in pages),
        ]
        u.comment = pages
        u.support = [i for i in rng.sample(open_ideas, 40) if i not in supported.get(u.id, ())]
        if u.manager:
            u.status = handled[u.id]
            u.walk += ["/inbox", "/inbox", *(f"/ideas/{i}" for i in u.status[:2])]
    return users


def writers(users: list[BenchUser], n: int, url: str) -> list[tuple[BenchUser, int]]:
    """``n`` employees, each with an idea of their own to comment on (one no other writer
    and no walk of the realistic load touches)."""
    taken = {i for u in users for i in (*u.comment, *u.status, *u.support)}
    with psycopg.connect(url) as conn:
        ideas = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM items WHERE kind = 'idea' AND status = 'implemented' "
                "ORDER BY id DESC LIMIT %s",
                (n + len(taken),),
            )
            if row[0] not in taken
        ]
    employees = [u for u in users if not u.manager][:n]
    return list(zip(employees, ideas, strict=False))


def _lua(value) -> str:
    """A Python value (str, int, float, list, dict) as a Lua literal; strings ASCII."""
    if isinstance(value, str):
        value.encode("ascii")  # cookies, paths and bodies are URL-encoded ASCII
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


# Every script counts the answers' status codes and the page cache's verdicts (a header
# the server may or may not send) in globals of its thread, summed up in done().
_COUNTING = """
codes = {}
cache = {hit = 0, miss = 0}
writes = {support = 0, comment = 0, status = 0}
local threads = {}
local serial = 0

function setup(thread)
  serial = serial + 1
  thread:set("me", serial)
  table.insert(threads, thread)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  local verdict = headers["X-Page-Cache"] or headers["x-page-cache"]
  if verdict == "hit" then cache.hit = cache.hit + 1
  elseif verdict == "miss" then cache.miss = cache.miss + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  local all, hits, misses, w = {}, 0, 0, {support = 0, comment = 0, status = 0}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("codes")) do all[status] = (all[status] or 0) + n end
    local c = t:get("cache")
    hits, misses = hits + c.hit, misses + c.miss
    for k, n in pairs(t:get("writes")) do w[k] = w[k] + n end
  end
  for status, n in pairs(all) do io.write(string.format("CODE %d %d\\n", status, n)) end
  io.write(string.format("CACHE %d %d\\n", hits, misses))
  io.write(string.format("WRITES %d %d %d\\n", w.support, w.comment, w.status))
end
"""

_HEAD = """
local UA = {ua}
local FORM = "application/x-www-form-urlencoded"

local function get(u, path)
  return wrk.format("GET", path, {{["Cookie"] = u.cookie, ["User-Agent"] = UA}})
end

local function post(u, path, body)
  return wrk.format("POST", path, {{["Cookie"] = u.cookie, ["User-Agent"] = UA,
    ["Content-Type"] = FORM}}, "csrf_token=" .. u.csrf .. body)
end
"""

_MIXED = """
local users = {users}
local SHARE = {share}
local COMMENT = {comment}
local DECLINE = {decline}
local next_support, next_status, state = {{}}, {{}}, {{}}

function init(args)
  math.randomseed({seed} + (me or 0))
end

local function write(i, u)
  local kinds = {{"comment"}}
  if (next_support[i] or 1) <= #u.support then table.insert(kinds, "support") end
  if #u.status > 0 then table.insert(kinds, "status") end
  local kind = kinds[math.random(#kinds)]
  writes[kind] = writes[kind] + 1
  if kind == "support" then
    local k = next_support[i] or 1
    next_support[i] = k + 1
    return post(u, "/ideas/" .. u.support[k] .. "/support", "")
  elseif kind == "comment" then
    local item = u.comment[math.random(#u.comment)]
    return post(u, "/ideas/" .. item .. "/comments", "&body=" .. COMMENT)
  end
  -- Status: each of the manager's ideas in turn, assessing -> declined -> assessing.
  local k = (next_status[i] or 0) % #u.status + 1
  next_status[i] = k
  local item = u.status[k]
  if (state[item] or "assessing") == "assessing" then
    state[item] = "declined"
    return post(u, "/ideas/" .. item .. "/status", "&status=declined&comment=" .. DECLINE)
  end
  state[item] = "assessing"
  return post(u, "/ideas/" .. item .. "/status", "&status=assessing&comment=")
end

function request()
  local i = math.random(#users)
  local u = users[i]
  if math.random() < SHARE then return write(i, u) end
  return get(u, u.walk[math.random(#u.walk)])
end
"""

_WRITERS = """
local writers = {writers}
local COMMENT = {comment}

function request()
  local w = writers[me]
  return post(w, "/ideas/" .. w.item .. "/comments", "&body=" .. COMMENT)
end
"""


def _quote(text: str) -> str:
    return urllib.parse.quote_plus(text)


def mixed_script(users: list[BenchUser], user_agent: str, seed: int = 2026) -> str:
    """The realistic load: one wrk thread, any number of connections."""
    table = [
        {
            "cookie": u.cookie,
            "csrf": _quote(u.csrf),
            "walk": u.walk,
            "support": u.support,
            "comment": u.comment,
            "status": u.status,
        }
        for u in users
    ]
    return (
        _COUNTING
        + _HEAD.format(ua=_lua(user_agent))
        + _MIXED.format(
            users=_lua(table),
            share=WRITE_SHARE,
            comment=_lua(_quote(COMMENT_TEXT)),
            decline=_lua(_quote(DECLINE_TEXT)),
            seed=seed,
        )
    )


def writers_script(pairs: list[tuple[BenchUser, int]], user_agent: str) -> str:
    """The write-only load: run with as many threads as connections (one each), so that
    thread ``me`` is writer ``me``, on its own idea."""
    table = [{"cookie": u.cookie, "csrf": _quote(u.csrf), "item": item} for u, item in pairs]
    return (
        _COUNTING
        + _HEAD.format(ua=_lua(user_agent))
        + _WRITERS.format(writers=_lua(table), comment=_lua(_quote(COMMENT_TEXT)))
    )
