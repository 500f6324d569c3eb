/* The studio's mathematics (geo/maps/data/studio_core.js) under Node's test runner.
 *
 * Known answers by hand, and — with GEO_CORE_FIXTURE set by tests/test_studio_core.py —
 * the same inputs as Python's geo.figures and pyproj, compared figure by figure. */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const core = require(path.join(__dirname, "..", "..", "geo", "maps", "data", "studio_core.js"));

function member(groups, n) { return core.membership(groups.map((g) => Int32Array.from(g)), n); }

test("figures of a hand-made group (known answers)", () => {
  /* 40 people: 10 at 1000 m, 30 at 500 m; one cell of 5 people unreachable */
  const cost = Float64Array.from([1000, 500, Infinity]);
  const w = core.exactWeights([10, 30, 5]);
  const st = core.stats(cost, w, [0.6, 2], 1000, member([[0, 1, 2]], 3))[0];
  assert.equal(st.total, 45000);
  assert.equal(st.unreachable, 5000);
  assert.equal(st.mean, (1000 * 10 + 500 * 30) / 40);
  assert.equal(st.p90, 1000); /* 90 % of 40 reachable people reach into the 1000 m cell */
  assert.equal(st.max, 1000);
  assert.deepEqual(st.shares, [30 / 45, 40 / 45]); /* the unreachable are never within */
});

test("a cell may belong to any number of groups", () => {
  const groups = [[0, 1], [0], [0, 1], [0], [1], [0, 1]]; /* cell 0 is in five groups */
  const m = member(groups, 2);
  assert.deepEqual(Array.from(m.list.subarray(m.start[0], m.start[1])), [0, 1, 2, 3, 5]);
  const st = core.stats(Float64Array.from([1, 2]), core.exactWeights([1, 1]), [], 1, m);
  assert.equal(st.length, 6);
  assert.equal(st[4].mean, 2);
});

test("better and worse off, reachable or not", () => {
  const before = Float64Array.from([100, 100, Infinity, Infinity]);
  const after = Float64Array.from([50, 200, 10, Infinity]);
  const w = core.exactWeights([1, 2, 3, 4]);
  const ch = core.change(before, after, w, w, 10, member([[0, 1, 2, 3]], 4));
  assert.equal(ch.better[0], 4000); /* 1 closer, 3 newly reached */
  assert.equal(ch.worse[0], 2000);
});

test("nearest base, snapping and the straight line", () => {
  const n = core.nearest([Float64Array.from([5, 1]), Float64Array.from([5, 0])], 2);
  assert.deepEqual(Array.from(n.near), [0, 1]); /* the first of equals */
  assert.equal(core.snap(10, 0, [{ e: 0, n: 0 }, { e: 9, n: 0 }, { e: 11, n: 0 }]), 1);
  assert.deepEqual(Array.from(core.straightColumn([3], [4], 0, 0)), [5]);
});

test("greedy and interchange find the obvious sites", () => {
  const fixed = Float64Array.from([0, 100, 100]);
  const cols = [Float64Array.from([50, 0, 100]), Float64Array.from([50, 100, 0]), Float64Array.from([9, 9, 9])];
  const r = core.greedyInterchange(fixed, cols, Float64Array.from([1, 1, 1]), 2, 1e9);
  assert.deepEqual(r.chosen.slice().sort(), [0, 1]);
  assert.equal(r.value, 0);
});

test("shown as the page shows it", () => {
  assert.equal(core.shown(2.25, 1), "2.3");
  assert.equal(core.shown(NaN, 1), "");
  assert.equal(core.shown(Infinity, 0), "");
});

const fixture = process.env.GEO_CORE_FIXTURE;
test("the same inputs give Python's figures (geo.figures) and pyproj's projection", { skip: !fixture }, () => {
  const fx = JSON.parse(fs.readFileSync(fixture, "utf8"));
  const n = fx.cost_before.length;
  const num = (a) => Float64Array.from(a, (v) => (v === null ? Infinity : v));
  const m = member(fx.groups, n);
  const w = core.exactWeights(fx.weight), pop = core.exactWeights(fx.population);
  const sb = core.stats(num(fx.cost_before), w, fx.levels, fx.scale, m);
  const sa = core.stats(num(fx.cost_after), w, fx.levels, fx.scale, m);
  const ch = core.change(num(fx.cost_before), num(fx.cost_after), pop, w, fx.tolerance, m);
  fx.expected.forEach((want, g) => {
    const same = (a, b, what) => {
      if (b === null) assert.ok(!isFinite(a), `${what} of group ${g}: ${a} is not "no figure"`);
      else assert.equal(a, b, `${what} of group ${g}`);
    };
    for (const [when, st] of [["before", sb[g]], ["after", sa[g]]]) {
      same(st.mean, want[`mean_${when}`], `mean_${when}`);
      same(st.p90, want[`p90_${when}`], `p90_${when}`);
      same(st.max, want[`max_${when}`], `max_${when}`);
      same(st.unreachable / 1000, want[`unreachable_${when}`], `unreachable_${when}`);
      st.shares.forEach((v, i) => same(v, want[`share_${i}_${when}`], `share ${i} ${when}`));
    }
    same(ch.weight[g] / 1000, want.weighted, "weighted");
    same(ch.better[g] / 1000, want.better, "better");
    same(ch.worse[g] / 1000, want.worse, "worse");
  });
  fx.projection.forEach((p) => {
    const [e, nn] = core.tm.forward(p.lat, p.lon);
    assert.ok(Math.abs(e - p.e) < 0.001 && Math.abs(nn - p.n) < 0.001, `forward ${p.lat},${p.lon}`);
    const [lat, lon] = core.tm.inverse(p.e, p.n);
    assert.ok(Math.abs(lat - p.lat) < 1e-8 && Math.abs(lon - p.lon) < 1e-8, `inverse ${p.e},${p.n}`);
  });
});

test("a design: figures per area, and moves that keep areas in one piece", () => {
  /* four units in a row: 0 1 | 2 3, bases in units 0 and 3 */
  const nb = [[1], [0, 2], [1, 3], [2]];
  const area = Int32Array.from([0, 0, 1, 1]);
  const rows = core.designRows(area, [1, 2, 3, 4], [0, 1, 2, 3], [10, 10, 10, 10], [0, 1000, 2000, 3000],
    [0, 0, 0, 0], [0, 3000], [0, 0]);
  assert.deepEqual(rows.map((r) => r.workload), [3, 7]);
  assert.equal(rows[0].meanM, 500);
  assert.equal(rows[1].vsMean, 7 * 2 / 10);
  assert.equal(core.canMove(area, nb, [0, 3], 1, 1), true); /* 1 joins 2 3: both stay whole */
  assert.equal(core.canMove(area, nb, [0, 3], 0, 1), false); /* a base's unit stays */
  assert.equal(core.canMove(Int32Array.from([0, 1, 0, 1]), nb, [0, 3], 1, 0), true);
  assert.equal(core.canMove(Int32Array.from([0, 0, 0, 1]), nb, [0, 3], 1, 1), false); /* would cut 2 off */
  assert.equal(core.nextArea(area, nb, [0, 3], 2), 0);
  assert.equal(core.nextArea(area, nb, [0, 3], 3), -1);
});
