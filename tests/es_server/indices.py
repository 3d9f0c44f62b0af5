"""Indices, index templates and ILM policies: what a consumer or ``deploy-assets`` creates
before it writes (ES 8's validation and error bodies on each), and which template's settings
and mappings a new index gets. One shard per index; no data streams, aliases are only stored."""
from __future__ import annotations

import copy
import fnmatch
import re
import threading
from typing import Any, Dict, List, Optional, Tuple

from .common import _Ctx, _EsError, _index_not_found, _json_body
from .mappings import _deep_merge, _expand_dotted_props, _flatten_settings, _Index


class IndicesMixin:
    """EsTestServer's indices, composable templates and ILM policies (state made in
    EsTestServer._reset_state)."""
    _lock: threading.RLock
    _indices: Dict[str, _Index]
    _templates: Dict[str, dict]
    _ilm_policies: Dict[str, dict]

    @staticmethod
    def _validate_index_name(name: str) -> Optional[_EsError]:
        def bad(why: str) -> _EsError:
            return _EsError(400, "invalid_index_name_exception", f"Invalid index name [{name}], {why}",
                            index_uuid="_na_", index=name)
        if name != name.lower():
            return bad("must be lowercase")
        for ch in '\\/*?"<>| ,#:':
            if ch in name:
                return bad('must not contain the following characters [\'\\\\\', \'/\', \'*\', '
                           '\'?\', \'"\', \'<\', \'>\', \'|\', \' \', \',\', \'#\', \':\']')
        if name[:1] in ("_", "-", "+"):
            return bad("must not start with '_', '-', or '+'")
        if name in (".", ".."):
            return bad("must not be '.' or '..'")
        if len(name.encode()) > 255:
            return bad("index name is too long, (" + str(len(name.encode())) + " > 255)")
        return None

    def _matching_template(self, name: str) -> Tuple[dict, dict, dict]:
        """(settings, mappings, aliases) the highest-priority matching template gives ``name``."""
        best = None
        for t in self._templates.values():
            pats = t.get("index_patterns") or []
            if isinstance(pats, str):
                pats = [pats]
            if any(fnmatch.fnmatchcase(name, p) for p in pats):
                if best is None or t.get("priority", 0) > best.get("priority", 0):
                    best = t
        return self._merge_index_parts({}, {}, {}, (best or {}).get("template", {}))

    @staticmethod
    def _merge_index_parts(settings: dict, mappings: dict, aliases: dict, part: dict) -> Tuple[dict, dict, dict]:
        settings.update(_flatten_settings(part.get("settings", {})))
        m = copy.deepcopy(part.get("mappings", {}))
        if "properties" in m:
            m["properties"] = _expand_dotted_props(m["properties"])
        _deep_merge(mappings, m)
        aliases.update(part.get("aliases", {}))
        return settings, mappings, aliases

    def _new_index(self, name: str, body: Optional[dict] = None) -> _Index:
        """Create (caller holds the lock and validated the name). Templates apply first."""
        settings, mappings, aliases = self._merge_index_parts(*self._matching_template(name), body or {})
        idx = _Index(name, settings, mappings, aliases)
        self._indices[name] = idx
        return idx

    def _resolve(self, expr: str, allow_missing: bool = True, for_delete: bool = False) -> List[str]:
        """Index expression (comma list, wildcards, _all) -> concrete names."""
        out: List[str] = []
        for part in expr.split(","):
            part = part.strip()
            if not part:
                continue
            if part in ("_all", "*") or "*" in part or "?" in part:
                if for_delete:
                    raise _EsError(400, "illegal_argument_exception",
                                   "Wildcard expressions or all indices are not allowed")
                pat = "*" if part == "_all" else part
                out.extend(n for n in sorted(self._indices)
                           if fnmatch.fnmatchcase(n, pat) and (not n.startswith(".") or pat.startswith(".")))
            elif part in self._indices:
                out.append(part)
            elif not allow_missing:
                raise _index_not_found(part)
        seen = set()
        return [n for n in out if not (n in seen or seen.add(n))]

    def _create_index(self, ctx: _Ctx) -> Tuple[int, Any]:
        name = ctx.params["index"]
        body = _json_body(ctx)
        self._require_write(ctx, "indices:admin/create", "create_index,manage,all", name)
        err = self._validate_index_name(name)
        if err:
            raise err
        for k in body:
            if k not in ("settings", "mappings", "aliases"):
                raise _EsError(400, "illegal_argument_exception", f"unknown key [{k}] for create index")
        with self._lock:
            if name in self._indices:
                uuid = self._indices[name].uuid if name in self._indices else "_na_"
                raise _EsError(400, "resource_already_exists_exception",
                               f"index [{name}/{uuid}] already exists", index_uuid=uuid, index=name)
            self._new_index(name, body)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _index_exists(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            try:
                names = self._resolve(ctx.params["index"], allow_missing=False)
            except _EsError:
                return 404, b""
        return (200 if names else 404), b""

    def _get_index(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False)
            out = {}
            for n in names:
                i = self._indices[n]
                d = {"aliases": copy.deepcopy(i.aliases), "mappings": i.mapping_view(),
                     "settings": i.settings_view()}
                out[n] = d
        return 200, out

    def _get_mapping(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            return 200, {n: {"mappings": self._indices[n].mapping_view()} for n in names}

    def _delete_index(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False, for_delete=True)
            self._require_write(ctx, "indices:admin/delete", "delete_index,manage,all", ctx.params["index"])
            for n in names:
                self._indices.pop(n, None)
        return 200, {"acknowledged": True}

    # index templates (composable)

    def _put_template(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = _json_body(ctx, required=True)
        self._require_write(ctx, "indices:admin/index_template/put", "manage_index_templates,manage,all")
        if not body.get("index_patterns"):
            raise _EsError(400, "action_request_validation_exception",
                           "Validation Failed: 1: index patterns are missing;")
        for k in body:
            if k not in ("index_patterns", "template", "composed_of", "priority", "version",
                         "_meta", "data_stream", "allow_auto_create", "ignore_missing_component_templates",
                         "deprecated"):
                raise _EsError(400, "x_content_parse_exception",
                               f"[1:2] [index_template] unknown field [{k}]")
        name = ctx.params["name"]
        with self._lock:
            missing = list(body.get("composed_of", []))        # no component templates here
            if missing:
                raise _EsError(400, "invalid_index_template_exception",
                               f"index_template [{name}] invalid, cause [index template [{name}] "
                               f"specifies component templates {missing} that do not exist]")
            if ctx.query.get("create") == "true" and name in self._templates:
                raise _EsError(400, "illegal_argument_exception",
                               f"index template [{name}] already exists")
            self._templates[name] = copy.deepcopy(body)
        return 200, {"acknowledged": True}

    def _get_templates(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            name = ctx.params.get("name")
            if name:
                names = [n for n in self._templates if fnmatch.fnmatchcase(n, name)]
                if not names:
                    raise _EsError(404, "resource_not_found_exception", f"index template matching [{name}] not found")
            else:
                names = sorted(self._templates)
            return 200, {"index_templates": [{"name": n, "index_template": copy.deepcopy(self._templates[n])}
                                             for n in names]}

    def _head_template(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            return (200 if ctx.params["name"] in self._templates else 404), b""

    # ILM policies: stored and validated like ES 8 does on PUT (phase and action names, min_age);
    # nothing is ever rolled over or deleted here.

    _ILM_ACTIONS = {
        "hot": {"set_priority", "unfollow", "rollover", "readonly", "downsample", "shrink", "forcemerge",
                "searchable_snapshot"},
        "warm": {"set_priority", "unfollow", "readonly", "downsample", "allocate", "migrate", "shrink", "forcemerge"},
        "cold": {"set_priority", "unfollow", "readonly", "downsample", "searchable_snapshot", "allocate", "migrate"},
        "frozen": {"unfollow", "searchable_snapshot"},
        "delete": {"wait_for_snapshot", "delete"},
    }

    def _put_ilm(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = _json_body(ctx, required=True)
        self._require_write(ctx, "cluster:admin/ilm/put", "manage_ilm,manage,all")
        policy = body.get("policy")
        if set(body) != {"policy"} or not isinstance(policy, dict):
            raise _EsError(400, "x_content_parse_exception", "[1:2] [put_lifecycle_request] expected one field [policy]")
        for k in policy:
            if k not in ("phases", "_meta"):
                raise _EsError(400, "x_content_parse_exception", f"[1:12] [lifecycle_policy] unknown field [{k}]")
        for phase, spec in policy.get("phases", {}).items():
            if phase not in self._ILM_ACTIONS:
                raise _EsError(400, "illegal_argument_exception",
                               f"Timeseries lifecycle does not support phase [{phase}]")
            age = spec.get("min_age", "0ms")
            if not re.fullmatch(r"\d+(nanos|micros|ms|s|m|h|d)", str(age)):
                raise _EsError(400, "illegal_argument_exception",
                               f"failed to parse setting [min_age] with value [{age}] as a time value")
            bad = [a for a in spec.get("actions", {}) if a not in self._ILM_ACTIONS[phase]]
            if bad:
                raise _EsError(400, "illegal_argument_exception",
                               f"invalid action [{bad[0]}] defined in phase [{phase}]")
        with self._lock:
            old = self._ilm_policies.get(ctx.params["name"])
            self._ilm_policies[ctx.params["name"]] = {"version": (old["version"] + 1) if old else 1,
                                                      "policy": copy.deepcopy(policy)}
        return 200, {"acknowledged": True}

    def _get_ilm(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            name = ctx.params.get("name")
            if name is not None and name not in self._ilm_policies:
                raise _EsError(404, "resource_not_found_exception", f"Lifecycle policy not found: {name}")
            names = [name] if name is not None else sorted(self._ilm_policies)
            return 200, {n: {"version": self._ilm_policies[n]["version"],
                             "policy": copy.deepcopy(self._ilm_policies[n]["policy"])} for n in names}
