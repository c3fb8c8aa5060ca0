/* pytest-fixture-perf HTML report: draws the page from the data embedded in it.
 * No libraries and no network: the table, the charts (SVG) and the timeline (canvas) are
 * made here. When everything is drawn, the performance mark "fixture-perf-ready" is set
 * and <body data-ready="ms since navigation start">. */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('fixture-perf-data').textContent);
  var SCOPES = data.enums.scope;
  var TEST_OUTCOMES = data.enums.test_outcome;
  var OUTCOMES = data.enums.outcome;
  var COLORS = {
    session: '#7b4fb5', package: '#c2620c', module: '#2f8a4a', 'class': '#138a8a',
    'function': '#2f6fba'
  };
  var PAGE = 200;
  var selected = -1;  // index into data.fixtures of the fixture picked (table, chart)
  var onSelect = [];

  // -- helpers ----------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  var ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }
  var DASH = '<span class="dash">\u2013</span>';

  /** Seconds as a short duration: 812 µs, 12.3 ms, 1.25 s, 2 m 05 s. */
  function secs(s) {
    if (s === null || s === undefined) return '\u2013';
    var a = Math.abs(s);
    if (a === 0) return '0 s';
    if (a < 1e-6) return (s * 1e9).toFixed(0) + ' ns';
    if (a < 1e-3) return (s * 1e6).toFixed(0) + ' \u00b5s';
    if (a < 0.01) return (s * 1e3).toFixed(2) + ' ms';
    if (a < 1) return (s * 1e3).toFixed(1) + ' ms';
    if (a < 120) return s.toFixed(2) + ' s';
    var r = Math.round(s), m = Math.floor(r / 60), rest = r - 60 * m;
    return m + ' m ' + (rest < 10 ? '0' : '') + rest + ' s';
  }
  function ms(x) { return secs(x / 1000); }
  function count(n) { return Number(n).toLocaleString('en-US'); }
  function percent(part, whole) {
    if (!whole) return '\u2013';
    var p = 100 * part / whole;
    return (p < 10 ? p.toFixed(1) : p.toFixed(0)) + '%';
  }
  function plural(n, word, many) {
    return count(n) + ' ' + (n === 1 ? word : many || word + 's');
  }
  function clipText(text, n) { return text.length > n ? text.slice(0, n - 1) + '\u2026' : text; }
  function select(index) {
    selected = index;
    for (var i = 0; i < onSelect.length; i++) onSelect[i](index);
  }

  // -- the run ----------------------------------------------------------------------------
  function renderRun() {
    var r = data.run, el = $('run');
    var n = r.processes, wall = r.wall_seconds;
    var inFixtures = r.setup_seconds + r.teardown_seconds;
    var capacity = wall ? wall * n : null;
    var commit = '\u2013';
    if (r.commit) {
      commit = '<span class="mono">' + esc(r.commit.slice(0, 10)) + '</span>' +
        (r.branch ? ' on ' + esc(r.branch) : '') +
        (r.dirty ? '<small>with uncommitted changes</small>' : '');
    }
    var workers = r.workers.length
      ? plural(r.workers.length, 'xdist worker') + '<small>' + esc(r.workers.join(', ')) +
        (r.dist ? ' \u00b7 --dist ' + esc(r.dist) : '') + '</small>'
      : 'serial<small>one process</small>';
    var outcomes = Object.keys(r.outcomes).map(function (k) {
      return count(r.outcomes[k]) + ' ' + esc(k);
    }).join(', ');
    var facts = [
      ['Started', r.started ? esc(r.started) : '\u2013'],
      ['Commit', commit],
      ['Workers', workers],
      ['Tests', plural(r.test_runs, 'test run') + '<small>' + (outcomes || 'none') + '</small>'],
      ['Wall time', secs(wall) + '<small>the session, wall clock</small>'],
      ['Worker-seconds', secs(capacity) + '<small>' + plural(n, 'process', 'processes') +
        ' \u00d7 ' + secs(wall) + ' wall time</small>'],
      ['Time in tests', secs(r.test_seconds) +
        '<small>setup + call + teardown, summed over workers</small>'],
      ['Time in fixtures', secs(inFixtures) + '<small>own time, summed over workers: setup ' +
        secs(r.setup_seconds) + ' + teardown ' + secs(r.teardown_seconds) + ' (' +
        plural(r.setups, 'setup') + ')</small>'],
      ['Fixture share', percent(inFixtures, capacity) + '<small>of worker-seconds; ' +
        percent(inFixtures, r.test_seconds) + ' of time in tests (both summed over workers)' +
        '</small>']
    ];
    var html = '<h1>Fixture performance</h1><dl class="facts">' + facts.map(function (f) {
      return '<div><dt>' + f[0] + '</dt><dd>' + f[1] + '</dd></div>';
    }).join('') + '</dl>';
    var env = [['Python', r.python], ['pytest', r.pytest], ['pytest-xdist', r.workers.length ? r.xdist : null],
               ['pytest-fixture-perf', r.plugin], ['on', r.platform]]
      .filter(function (p) { return p[1]; })
      .map(function (p) { return esc(p[0]) + ' ' + esc(p[1]); }).join(' \u00b7 ');
    if (r.run_id) env += (env ? ' \u00b7 ' : '') + 'run <span class="mono">' + esc(r.run_id.slice(0, 12)) + '</span>';
    html += '<p class="note env">' + env + '</p>';
    if (r.incomplete.length) {
      html += '<ul class="warn">' + r.incomplete.map(function (why) {
        return '<li>Incomplete: ' + esc(why) + '</li>';
      }).join('') + '</ul>';
    }
    html += workerTable();
    el.innerHTML = html;
  }

  function workerTable() {
    var rows = data.workers.map(function (w) {
      return '<tr><td>' + esc(w.id) + '</td><td class="num">' + count(w.tests) +
        '</td><td class="num">' + secs(w.test_seconds) + '</td><td class="num">' +
        count(w.setups) + '</td><td class="num">' + secs(w.fixture_seconds) +
        '</td><td class="num">' + secs(w.idle_seconds) + '</td></tr>';
    }).join('');
    return '<table class="small-table" id="worker-table"><thead><tr><th>worker</th>' +
      '<th class="num">test runs</th><th class="num">time in tests</th>' +
      '<th class="num">fixture setups</th><th class="num">time in fixtures (own)</th>' +
      '<th class="num" title="the timeline\'s span less the time in its test runs">' +
      'idle on the timeline</th></tr></thead><tbody>' + rows + '</tbody></table>';
  }

  // -- insights ---------------------------------------------------------------------------
  function renderInsights() {
    var el = $('insights'), list = data.insights;
    if (!list.length) {
      el.insertAdjacentHTML('beforeend', '<p class="note">No insights for this run.</p>');
      return;
    }
    el.insertAdjacentHTML('beforeend', list.map(function (it) {
      return '<article class="insight" data-kind="' + esc(it.kind) + '"><h3>' + esc(it.title) +
        '<span class="kind">' + esc(it.kind) + '</span></h3>' +
        (it.details.length ? '<ul>' + it.details.map(function (d) {
          return '<li>' + esc(d) + '</li>';
        }).join('') + '</ul>' : '') +
        (it.advice ? '<p class="advice">' + esc(it.advice) + '</p>' : '') + '</article>';
    }).join(''));
  }

  // -- the costliest fixtures (SVG bars) ------------------------------------------------------
  function renderCostliest() {
    var el = $('costliest'), fixtures = data.fixtures;
    var top = fixtures.slice(0, 15);
    if (!top.length) {
      el.insertAdjacentHTML('beforeend', '<p class="note">No fixture was set up.</p>');
      return;
    }
    var W = 640, LABEL = 190, VALUE = 70, BAR = 16, GAP = 6;
    var H = top.length * (BAR + GAP);
    var most = Math.max.apply(null, top.map(function (f) {
      return f.setup.total + f.teardown.total;
    })) || 1;
    var room = W - LABEL - VALUE;
    var bars = top.map(function (f, i) {
      var y = i * (BAR + GAP), color = COLORS[f.scope] || '#777';
      var ws = room * f.setup.total / most, wt = room * f.teardown.total / most;
      var total = f.setup.total + f.teardown.total;
      return '<g class="bar" data-index="' + i + '"><title>' + esc(f.name) + ' (' + esc(f.scope) +
        ', ' + esc(f.location) + '): setup ' + secs(f.setup.total) + ' + teardown ' +
        secs(f.teardown.total) + ' over ' + plural(f.setups, 'setup') + '</title>' +
        '<text x="' + (LABEL - 8) + '" y="' + (y + BAR - 4) + '" text-anchor="end">' +
        esc(clipText(f.name, 26)) + '</text>' +
        '<rect x="' + LABEL + '" y="' + y + '" width="' + Math.max(1, ws).toFixed(1) +
        '" height="' + BAR + '" fill="' + color + '" rx="2"></rect>' +
        (wt >= 0.5 ? '<rect x="' + (LABEL + ws).toFixed(1) + '" y="' + y + '" width="' +
          wt.toFixed(1) + '" height="' + BAR + '" fill="' + color + '" opacity=".45"></rect>' : '') +
        '<text class="muted" x="' + (LABEL + ws + wt + 6).toFixed(1) + '" y="' + (y + BAR - 4) +
        '">' + secs(total) + '</text></g>';
    }).join('');
    el.insertAdjacentHTML('beforeend',
      '<p class="note">Top ' + top.length + ' of ' + plural(fixtures.length, 'fixture') +
      ' by time: setup (solid) + teardown (light), own time summed over workers.</p>' +
      '<svg id="costliest-chart" viewBox="0 0 ' + W + ' ' + H + '" width="100%" ' +
      'preserveAspectRatio="xMinYMin meet" role="img" aria-label="costliest fixtures">' + bars +
      '</svg>' + scopeLegend());
    el.querySelector('svg').addEventListener('click', function (ev) {
      var g = ev.target.closest('.bar');
      if (g) select(Number(g.getAttribute('data-index')));
    });
  }

  function scopeLegend() {
    return '<div class="legend">' + SCOPES.map(function (s) {
      return '<span class="swatch" style="background:' + COLORS[s] + '"></span>' + s;
    }).join('') + '</div>';
  }

  // -- time per scope -------------------------------------------------------------------------
  function renderScopes() {
    var el = $('scopes'), scopes = data.by_scope, names = Object.keys(scopes);
    if (!names.length) {
      el.insertAdjacentHTML('beforeend', '<p class="note">No fixture was set up.</p>');
      return;
    }
    var all = 0, most = 0;
    names.forEach(function (s) { all += scopes[s].seconds; most = Math.max(most, scopes[s].seconds); });
    var rows = names.map(function (s) {
      var v = scopes[s];
      var width = most ? Math.max(1, Math.round(120 * v.seconds / most)) : 1;
      return '<tr data-scope="' + esc(s) + '"><td><span class="scope-dot" style="background:' +
        (COLORS[s] || '#777') + '"></span>' + esc(s) + '</td><td class="num">' + count(v.setups) +
        '</td><td class="num">' + secs(v.seconds) + '</td><td><span class="share" style="width:' +
        width + 'px;background:' + (COLORS[s] || '#777') + '"></span>' +
        percent(v.seconds, all) + '</td></tr>';
    }).join('');
    el.insertAdjacentHTML('beforeend',
      '<table class="small-table" id="scope-table"><thead><tr><th>scope</th>' +
      '<th class="num">setups</th><th class="num">setup + teardown</th>' +
      '<th>share of fixture time</th></tr></thead><tbody>' + rows + '</tbody></table>' +
      '<p class="note">Fixture time is own time (without the fixtures each one requested), ' +
      'summed over workers: ' + secs(all) + ' in all. A fixture counts at the scope most of ' +
      'its setups ran at.</p>');
  }

  // -- the fixture table ------------------------------------------------------------------------
  function timeColumn(id, label, get) {
    return { id: id, label: label, num: true, get: get, show: secs };
  }
  var COLUMNS = [
    { id: 'name', label: 'fixture', get: function (f) { return f.name.toLowerCase(); },
      cell: function (f) {
        return '<td class="name" title="' + esc(f.key) + '">' + esc(f.name) + '</td>';
      } },
    { id: 'scope', label: 'scope', get: function (f) { return SCOPES.indexOf(f.scope); },
      cell: function (f) {
        var s = f.scope, other = Object.keys(f.scopes).length > 1;
        return '<td title="declared ' + esc(f.declared_scope) + (other ? '; set up at ' +
          Object.keys(f.scopes).map(function (k) { return k + ' \u00d7' + f.scopes[k]; }).join(', ')
          : '') + '"><span class="scope-dot" style="background:' + (COLORS[s] || '#777') +
          '"></span>' + esc(s) + (other ? '*' : '') + '</td>';
      } },
    { id: 'location', label: 'location', get: function (f) { return f.location.toLowerCase(); },
      cell: function (f) {
        return '<td class="loc mono" title="' + esc(f.location) + '"><bdi>' + esc(f.location) +
          '</bdi></td>';
      } },
    { id: 'setups', label: 'setups', num: true, get: function (f) { return f.setups; }, show: count },
    { id: 'uses', label: 'uses', num: true, title: 'test runs that had the fixture in their closure',
      get: function (f) { return f.uses; }, show: count },
    timeColumn('setup_total', 'setup total', function (f) { return f.setup.total; }),
    timeColumn('setup_mean', 'setup mean', function (f) { return f.setup.mean; }),
    timeColumn('setup_median', 'setup median', function (f) { return f.setup.median; }),
    timeColumn('setup_p95', 'setup p95', function (f) { return f.setup.p95; }),
    timeColumn('setup_max', 'setup max', function (f) { return f.setup.max; }),
    timeColumn('teardown_total', 'teardown total', function (f) {
      return f.teardowns ? f.teardown.total : null;
    }),
    timeColumn('cpu', 'setup CPU total', function (f) {
      return f.setup_cpu ? f.setup_cpu.total : null;
    }),
    { id: 'errors', label: 'errors', num: true,
      title: 'setup errors + teardown errors (skips in the cell\'s tooltip)',
      get: function (f) { return f.setup_errors + f.teardown_errors; },
      cell: function (f) {
        var n = f.setup_errors + f.teardown_errors;
        var tip = f.setup_errors + ' in setup, ' + f.teardown_errors + ' in teardown, ' +
          f.setup_skips + ' skipped';
        return '<td class="num' + (n ? ' err' : '') + '" title="' + tip + '">' +
          (n ? count(n) : DASH) + '</td>';
      } }
  ];
  if (data.trend) {
    COLUMNS.push({ id: 'trend', label: 'setup mean, last runs', nosort: true,
      cell: function (f) { return '<td>' + sparkline(data.trend.fixtures[f.key]) + '</td>'; } });
  }

  function renderTable() {
    var el = $('fixtures'), fixtures = data.fixtures;
    var state = { col: null, desc: true, query: '', limit: PAGE, order: null, matching: null };
    el.insertAdjacentHTML('beforeend',
      '<div class="toolbar"><input type="search" id="fixture-filter" ' +
      'placeholder="filter by name, location or scope" aria-label="filter fixtures">' +
      '<span id="fixture-count"></span></div>' +
      '<div class="table-wrap"><table id="fixture-table" data-total="' + fixtures.length +
      '"><thead><tr>' + COLUMNS.map(function (c) {
        return '<th data-col="' + c.id + '" class="' + (c.num ? 'num' : '') +
          (c.nosort ? ' nosort' : '') + '"' + (c.title ? ' title="' + esc(c.title) + '"' : '') +
          '>' + esc(c.label) + '</th>';
      }).join('') + '</tr></thead><tbody></tbody></table></div>' +
      '<div class="more" id="fixture-more"></div>' +
      '<p class="note">Times are each fixture\u2019s own time (not counting the fixtures it ' +
      'requested), summed over workers; mean, median, p95 and max are per setup. ' +
      'Initial order: costliest first (setup + teardown total). A * after the scope: some ' +
      'setups ran at another scope. \u2013: nothing recorded (no teardown, no CPU time).</p>');
    var table = $('fixture-table'), body = table.tBodies[0];
    var values = {};  // column id -> sort key per fixture (made when first sorted on)

    function keys(col) {
      if (!values[col.id]) values[col.id] = fixtures.map(col.get);
      return values[col.id];
    }

    function refresh() {
      var q = state.query.toLowerCase(), order = [], i;
      var base = state.order || fixtures.map(function (_, k) { return k; });
      for (i = 0; i < base.length; i++) {
        var f = fixtures[base[i]];
        if (!q || f.name.toLowerCase().indexOf(q) >= 0 || f.location.toLowerCase().indexOf(q) >= 0 ||
            f.scope === q) {
          order.push(base[i]);
        }
      }
      state.matching = order;
      var shown = Math.min(order.length, state.limit);
      var html = [];
      for (i = 0; i < shown; i++) html.push(row(order[i]));
      body.innerHTML = html.join('');
      table.setAttribute('data-matching', order.length);
      table.setAttribute('data-shown', shown);
      $('fixture-count').textContent = (q
        ? count(order.length) + ' of ' + plural(fixtures.length, 'fixture') + ' match'
        : plural(fixtures.length, 'fixture')) +
        (shown < order.length ? ' \u00b7 showing the first ' + count(shown) : '');
      var more = $('fixture-more');
      more.innerHTML = shown < order.length
        ? '<button data-more="page">show ' + count(Math.min(PAGE, order.length - shown)) +
          ' more</button> <button data-more="all">show all ' + count(order.length) + '</button>'
        : '';
    }

    function row(k) {
      var f = fixtures[k];
      return '<tr data-index="' + k + '" data-name="' + esc(f.name) + '"' +
        (k === selected ? ' class="selected"' : '') + '>' + COLUMNS.map(function (c) {
          if (c.cell) return c.cell(f);
          var v = c.get(f);
          return '<td class="num">' + (v === null ? DASH : c.show(v)) + '</td>';
        }).join('') + '</tr>';
    }

    function sortBy(id) {
      var col = COLUMNS.filter(function (c) { return c.id === id; })[0];
      if (!col || col.nosort) return;
      state.desc = state.col === id ? !state.desc : !!col.num;
      state.col = id;
      var v = keys(col), sign = state.desc ? -1 : 1;
      state.order = fixtures.map(function (_, k) { return k; }).sort(function (a, b) {
        var x = v[a], y = v[b];
        if (x === null || y === null) return x === y ? a - b : (x === null ? 1 : -1);
        if (x < y) return -sign;
        if (x > y) return sign;
        return a - b;
      });
      var heads = table.tHead.rows[0].cells;
      for (var i = 0; i < heads.length; i++) {
        var th = heads[i];
        if (th.getAttribute('data-col') === id) {
          th.setAttribute('aria-sort', state.desc ? 'descending' : 'ascending');
        } else {
          th.removeAttribute('aria-sort');
        }
      }
      state.limit = PAGE;
      refresh();
    }

    table.tHead.addEventListener('click', function (ev) {
      var th = ev.target.closest('th');
      if (th) sortBy(th.getAttribute('data-col'));
    });
    $('fixture-filter').addEventListener('input', function (ev) {
      state.query = ev.target.value.trim();
      state.limit = PAGE;
      refresh();
    });
    $('fixture-more').addEventListener('click', function (ev) {
      var what = ev.target.getAttribute('data-more');
      if (!what) return;
      state.limit = what === 'all' ? Infinity : state.limit + PAGE;
      refresh();
    });
    body.addEventListener('click', function (ev) {
      var tr = ev.target.closest('tr');
      if (tr) select(Number(tr.getAttribute('data-index')));
    });
    onSelect.push(function (index) {
      var rows = body.rows;
      for (var i = 0; i < rows.length; i++) {
        rows[i].classList.toggle('selected', Number(rows[i].getAttribute('data-index')) === index);
      }
    });
    refresh();
  }

  function sparkline(series) {
    if (!series) return DASH;
    var points = [], most = 0, i;
    for (i = 0; i < series.length; i++) if (series[i] !== null) most = Math.max(most, series[i]);
    var W = 72, H = 18, n = series.length;
    for (i = 0; i < n; i++) {
      if (series[i] === null) continue;
      var x = n > 1 ? 2 + (W - 4) * i / (n - 1) : W / 2;
      var y = H - 2 - (most ? (H - 4) * series[i] / most : 0);
      points.push(x.toFixed(1) + ',' + y.toFixed(1));
    }
    if (!points.length) return DASH;
    var last = points[points.length - 1].split(',');
    return '<svg class="spark" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H +
      '"><polyline fill="none" stroke="#2f6fba" stroke-width="1.5" points="' + points.join(' ') +
      '"></polyline><circle cx="' + last[0] + '" cy="' + last[1] + '" r="2" fill="#2f6fba">' +
      '</circle></svg>';
  }

  // -- the timeline ---------------------------------------------------------------------------
  var ROW = 16, AXIS = 22, GROUP_GAP = 6, EPS = 0.002;

  function renderTimeline() {
    var el = $('timeline'), tl = data.timeline, n = tl.s.length;
    var workers = tl.workers;
    if (!workers.length || !tl.total) {
      el.insertAdjacentHTML('beforeend', '<p class="note">Nothing was recorded.</p>');
      return;
    }
    // depth of each slice on its (worker, track): slices come ordered by worker, track, start
    var depth = new Int32Array(n), stack = [], i, top;
    var rows = workers.map(function () { return [1, 1]; });  // rows of each track
    for (i = 0; i < n; i++) {
      if (i === 0 || tl.w[i] !== tl.w[i - 1] || tl.t[i] !== tl.t[i - 1]) stack = [];
      while (stack.length && stack[stack.length - 1] <= tl.s[i] + EPS) stack.pop();
      depth[i] = stack.length;
      stack.push(tl.s[i] + tl.d[i]);
      top = rows[tl.w[i]];
      if (depth[i] + 1 > top[tl.t[i]]) top[tl.t[i]] = depth[i] + 1;
    }
    // rows: per worker its tests track, then its shared track, then a gap
    var firstRow = [], groupTop = [], rowTop = [], y = 0;
    workers.forEach(function (_, w) {
      firstRow.push(rowTop.length);
      groupTop.push(y);
      for (var k = 0; k < rows[w][0] + rows[w][1]; k++) {
        rowTop.push(y);
        y += ROW;
      }
      y += GROUP_GAP;
    });
    var height = AXIS + y;
    var rowOf = new Int32Array(n), byRow = rowTop.map(function () { return []; });
    for (i = 0; i < n; i++) {
      var w = tl.w[i];
      rowOf[i] = firstRow[w] + (tl.t[i] === 0 ? depth[i] : rows[w][0] + depth[i]);
      byRow[rowOf[i]].push(i);
    }
    var ends = byRow.map(function (list) {
      return Float64Array.from(list, function (k) { return tl.s[k] + tl.d[k]; });
    });

    var shownNote = tl.shown < tl.total
      ? 'Showing ' + count(tl.shown) + ' of ' + count(tl.total) + ' slices (tests, fixture setups ' +
        'and teardowns): the longest; the ' + count(tl.total - tl.shown) + ' left out each last ' +
        ms(tl.left_out_max_ms) + ' or less. Idle gaps are computed from all test runs.'
      : 'Showing all ' + count(tl.total) + ' slices (tests, fixture setups and teardowns).';
    el.insertAdjacentHTML('beforeend',
      '<p class="note" id="timeline-note">' + shownNote + ' Wheel or buttons to zoom, drag to pan, ' +
      'double-click to zoom in; a fixture picked in the table or the chart is outlined.</p>' +
      '<div class="tl-controls"><button data-zoom="in" title="zoom in">+</button>' +
      '<button data-zoom="out" title="zoom out">\u2212</button>' +
      '<button data-zoom="fit">fit</button><span class="note" id="timeline-range"></span></div>' +
      '<div class="tl" id="timeline-view" data-lanes="' + workers.length + '">' +
      '<div class="tl-labels"><div class="tl-axis-pad" style="height:' + AXIS + 'px">worker</div>' +
      workers.map(function (id, w) {
        var h = (rows[w][0] + rows[w][1]) * ROW + GROUP_GAP;
        var info = data.workers[w];
        return '<div class="lane" data-worker="' + esc(id) + '" style="height:' + h + 'px">' +
          '<span class="who">' + esc(id) + '</span><span class="what">' +
          (info ? plural(info.tests, 'test') + ' \u00b7 idle ' + secs(info.idle_seconds) : '') +
          '</span><span class="track" style="top:' + (rows[w][0] * ROW + 2) + 'px">shared \u2192' +
          '</span></div>';
      }).join('') + '</div><div class="tl-wrap"><canvas id="timeline-canvas"></canvas></div></div>' +
      '<div class="legend">' + ['test', 'failed test'].map(function (t, k) {
        return '<span class="swatch" style="background:' + (k ? '#f2b8b5' : '#dfe4ea') +
          ';border:1px solid #aab4c0"></span>' + t;
      }).join('') + scopeLegend().replace(/^<div class="legend">|<\/div>$/g, '') +
      '<span class="swatch hatch"></span>worker idle \u00b7 teardowns are lighter than setups; ' +
      'fixtures cached across tests (wider scopes) are on each worker\u2019s shared track</div>' +
      '<div class="tl-tip" id="timeline-tip" hidden></div>');

    var canvas = $('timeline-canvas'), wrap = canvas.parentNode, tip = $('timeline-tip');
    var ctx = canvas.getContext('2d');
    var span = Math.max(tl.span_ms, 0.001);
    var view = { a: 0, b: span }, width = 0;
    var hatch = makeHatch();

    function resize() {
      width = Math.max(200, wrap.clientWidth);
      var ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = width + 'px';
      canvas.style.height = height + 'px';
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      draw();
    }

    function colorOf(i) {
      if (tl.k[i] === 0) return tl.o[i] === 0 || tl.o[i] > 3 ? '#dfe4ea' : '#f2b8b5';
      return COLORS[SCOPES[tl.sc[i]]] || '#777';
    }

    function draw() {
      var k = width / (view.b - view.a), a = view.a, b = view.b;
      ctx.clearRect(0, 0, width, height);
      drawAxis(k);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      // idle gaps, over the tests track of each worker
      ctx.fillStyle = hatch;
      workers.forEach(function (_, w) {
        var gaps = tl.gaps[w], top = AXIS + groupTop[w], h = rows[w][0] * ROW;
        for (var g = 0; g < gaps.length; g++) {
          var s = gaps[g][0], e = s + gaps[g][1];
          if (e < a || s > b) continue;
          var x0 = Math.max(0, (s - a) * k), x1 = Math.min(width, (e - a) * k);
          if (x1 - x0 >= 0.5) ctx.fillRect(x0, top, Math.max(1, x1 - x0), h - 1);
        }
      });
      for (var r = 0; r < byRow.length; r++) {
        var list = byRow[r], y = AXIS + rowTop[r], lastPx = -1;
        var j = lowerBound(ends[r], a);
        for (; j < list.length; j++) {
          var i = list[j], s = tl.s[i];
          if (s > b) break;
          var x0 = (s - a) * k, x1 = (s + tl.d[i] - a) * k;
          var color = colorOf(i);
          ctx.globalAlpha = tl.k[i] === 2 ? 0.5 : 1;
          if (x1 - x0 < 1) {
            var px = Math.floor(x0);
            if (px === lastPx) continue;
            lastPx = px;
            ctx.fillStyle = color;
            ctx.fillRect(px, y + 1, 1, ROW - 2);
            continue;
          }
          ctx.fillStyle = color;
          var left = Math.max(x0, -1), right = Math.min(x1, width + 1);
          ctx.fillRect(left, y + 1, right - left, ROW - 2);
          if (tl.k[i] === 0) {
            ctx.globalAlpha = 1;
            ctx.strokeStyle = '#aab4c0';
            ctx.strokeRect(left + 0.5, y + 1.5, Math.max(0, right - left - 1), ROW - 3);
          }
          lastPx = Math.floor(x1);
          if (right - left > 36) {
            ctx.globalAlpha = 1;
            ctx.fillStyle = tl.k[i] === 0 ? '#1d232b' : (tl.k[i] === 2 ? '#1d232b' : '#fff');
            var label = tl.labels[tl.l[i]];
            if (tl.k[i] === 0) label = label.slice(label.lastIndexOf('::') + 2) || label;
            else label += tl.k[i] === 2 ? ' teardown' : '';
            var room = right - left - 6, text = fitText(label, room);
            if (text) ctx.fillText(text, Math.max(left, 0) + 3, y + ROW / 2);
          }
        }
      }
      ctx.globalAlpha = 1;
      if (selected >= 0) outline(k);
      $('timeline-range').textContent = ms(view.a) + ' \u2013 ' + ms(view.b) + ' of ' + ms(span) +
        ' (from the run\u2019s first slice, wall clock)';
    }

    function outline(k) {
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1.5;
      for (var i = 0; i < n; i++) {
        if (tl.f[i] !== selected || tl.s[i] > view.b || tl.s[i] + tl.d[i] < view.a) continue;
        var x0 = (tl.s[i] - view.a) * k, wpx = Math.max(2, tl.d[i] * k);
        ctx.strokeRect(x0, AXIS + rowTop[rowOf[i]] + 1, wpx, ROW - 2);
      }
      ctx.lineWidth = 1;
    }

    var fitCache = {};
    function fitText(text, room) {
      if (room < 12) return '';
      var key = text + '\u0000' + Math.floor(room / 8);
      if (key in fitCache) return fitCache[key];
      var t = text;
      while (t.length > 1 && ctx.measureText(t).width > room) t = t.slice(0, Math.max(1, Math.floor(t.length * 0.8)));
      if (t !== text) t = t.length > 2 ? t.slice(0, -1) + '\u2026' : '';
      fitCache[key] = t;
      return t;
    }

    function drawAxis(k) {
      var step = niceStep((view.b - view.a) / Math.max(1, width / 110));
      ctx.fillStyle = '#f6f8fa';
      ctx.fillRect(0, 0, width, AXIS);
      ctx.strokeStyle = '#d9dee5';
      ctx.fillStyle = '#5d6773';
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      ctx.beginPath();
      for (var t = Math.ceil(view.a / step) * step; t <= view.b; t += step) {
        var x = Math.round((t - view.a) * k) + 0.5;
        ctx.moveTo(x, AXIS - 5);
        ctx.lineTo(x, height);
        ctx.fillText(ms(t), x + 3, AXIS / 2);
      }
      ctx.stroke();
      // lane separators
      ctx.beginPath();
      workers.forEach(function (_, w) {
        var yy = AXIS + groupTop[w] + (rows[w][0] + rows[w][1]) * ROW + GROUP_GAP - 0.5;
        ctx.moveTo(0, yy);
        ctx.lineTo(width, yy);
        var mid = AXIS + groupTop[w] + rows[w][0] * ROW - 0.5;
        ctx.moveTo(0, mid);
        ctx.lineTo(width, mid);
      });
      ctx.strokeStyle = '#eef0f3';
      ctx.stroke();
    }

    function zoom(factor, atPx) {
      var at = view.a + (view.b - view.a) * (atPx === undefined ? 0.5 : atPx / width);
      var len = Math.min(span, Math.max(0.01, (view.b - view.a) * factor));
      var a = at - (at - view.a) * len / (view.b - view.a);
      setView(a, a + len);
    }
    function setView(a, b) {
      var len = b - a;
      if (a < 0) { a = 0; b = len; }
      if (b > span) { b = span; a = Math.max(0, span - len); }
      view.a = a;
      view.b = b;
      draw();
    }

    el.querySelector('.tl-controls').addEventListener('click', function (ev) {
      var what = ev.target.getAttribute('data-zoom');
      if (what === 'in') zoom(0.5);
      else if (what === 'out') zoom(2);
      else if (what === 'fit') setView(0, span);
    });
    canvas.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var x = ev.offsetX;
      if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        var shift = ev.deltaX / width * (view.b - view.a);
        setView(view.a + shift, view.b + shift);
      } else {
        zoom(Math.exp(ev.deltaY * 0.002), x);
      }
    }, { passive: false });
    canvas.addEventListener('dblclick', function (ev) { zoom(0.5, ev.offsetX); });
    var drag = null;
    canvas.addEventListener('mousedown', function (ev) {
      drag = { x: ev.clientX, a: view.a, b: view.b };
      canvas.classList.add('dragging');
    });
    window.addEventListener('mouseup', function () {
      drag = null;
      canvas.classList.remove('dragging');
    });
    window.addEventListener('mousemove', function (ev) {
      if (!drag) return;
      var shift = (drag.x - ev.clientX) / width * (drag.b - drag.a);
      setView(drag.a + shift, drag.b + shift);
    });
    canvas.addEventListener('mousemove', function (ev) {
      var found = drag ? null : hit(ev.offsetX, ev.offsetY);
      if (!found) { tip.hidden = true; return; }
      tip.innerHTML = found.slice >= 0 ? sliceTip(found.slice) : idleTip(found.worker, found.gap);
      tip.hidden = false;
      var x = ev.clientX + 14, yy = ev.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth - 8) x = ev.clientX - tip.offsetWidth - 14;
      if (yy + tip.offsetHeight > window.innerHeight - 8) yy = ev.clientY - tip.offsetHeight - 14;
      tip.style.left = x + 'px';
      tip.style.top = yy + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
    canvas.addEventListener('click', function (ev) {
      var found = hit(ev.offsetX, ev.offsetY);
      if (found && found.slice >= 0 && tl.f[found.slice] >= 0) select(tl.f[found.slice]);
    });

    /** What is under (x, y): {slice: index}, {slice: -1, worker, gap} or null. */
    function hit(x, y) {
      var r = lowerBound(rowTop, Math.floor(y - AXIS) + 1) - 1;
      if (r < 0 || y - AXIS >= rowTop[r] + ROW) return null;
      var t = view.a + x / width * (view.b - view.a), slack = 3 * (view.b - view.a) / width;
      var list = byRow[r], j = lowerBound(ends[r], t - slack);
      if (j < list.length && tl.s[list[j]] <= t + slack) return { slice: list[j] };
      for (var w = workers.length - 1; w >= 0; w--) {
        if (r < firstRow[w]) continue;
        if (r >= firstRow[w] + rows[w][0]) return null;  // the shared track
        var gaps = tl.gaps[w];
        for (var g = 0; g < gaps.length; g++) {
          if (gaps[g][0] <= t && t <= gaps[g][0] + gaps[g][1]) {
            return { slice: -1, worker: w, gap: g };
          }
        }
        return null;
      }
      return null;
    }

    function sliceTip(i) {
      var kind = tl.k[i], label = esc(tl.labels[tl.l[i]]), worker = esc(workers[tl.w[i]]);
      if (kind === 0) {
        return '<b>' + label + '</b><br>test, ' + esc(TEST_OUTCOMES[tl.o[i]] || tl.o[i]) +
          ': ' + ms(tl.d[i]) + ' from its setup\u2019s start to its teardown\u2019s end' +
          '<br><span class="dim">' + worker + ', at ' + ms(tl.s[i]) + '</span>';
      }
      return '<b>' + label + '</b> ' + (kind === 1 ? 'setup' : 'teardown') + '<br>' +
        esc(SCOPES[tl.sc[i]]) + ' scope \u00b7 ' + ms(tl.d[i]) + ' (own ' + ms(tl.own[i]) + ')' +
        (tl.o[i] ? ' \u00b7 ' + esc(OUTCOMES[tl.o[i]]) : '') +
        (tl.x[i] >= 0 ? '<br><span class="dim">in ' + esc(tl.labels[tl.x[i]]) + '</span>' : '') +
        '<br><span class="dim">' + worker + ', at ' + ms(tl.s[i]) + '</span>';
    }

    function idleTip(w, g) {
      var gap = tl.gaps[w][g], info = data.workers[w];
      return '<b>' + esc(workers[w]) + ' idle</b> for ' + ms(gap[1]) + ', at ' + ms(gap[0]) +
        (info ? '<br><span class="dim">' + secs(info.idle_seconds) + ' idle in all</span>' : '');
    }

    onSelect.push(draw);
    window.addEventListener('resize', resize);
    resize();
  }

  function lowerBound(sorted, value) {
    var lo = 0, hi = sorted.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] < value) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    var f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  function makeHatch() {
    var c = document.createElement('canvas');
    c.width = c.height = 6;
    var g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 6, 6);
    g.strokeStyle = '#efb3ac';
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(0, 6);
    g.lineTo(6, 0);
    g.stroke();
    return g.createPattern(c, 'repeat');
  }

  // -- the trend ------------------------------------------------------------------------------
  function renderTrend() {
    var el = $('trend'), trend = data.trend;
    if (!trend) {
      el.insertAdjacentHTML('beforeend', '<p class="note">No history was given for this ' +
        'report: trends need earlier runs stored in the history.</p>');
      return;
    }
    var candidates = [];
    data.fixtures.forEach(function (f, k) {
      var s = trend.fixtures[f.key];
      if (s && s.some(function (v) { return v !== null; })) candidates.push(k);
    });
    if (!candidates.length) {
      el.insertAdjacentHTML('beforeend', '<p class="note">None of this run\u2019s fixtures ' +
        'has a history.</p>');
      return;
    }
    el.insertAdjacentHTML('beforeend', '<div class="toolbar"><label>fixture <select ' +
      'id="trend-select">' + candidates.map(function (k) {
        var f = data.fixtures[k];
        return '<option value="' + k + '">' + esc(f.name) + ' \u2014 ' + esc(f.location) +
          '</option>';
      }).join('') + '</select></label><span class="note">mean setup (own time) per run, ' +
      'oldest first, over ' + plural(trend.runs.length, 'run') + '</span></div>' +
      '<div id="trend-chart"></div>');
    var pick = $('trend-select');
    function show(k) {
      var f = data.fixtures[k];
      $('trend-chart').innerHTML = trendChart(trend.runs, trend.fixtures[f.key]);
    }
    pick.addEventListener('change', function () { select(Number(pick.value)); });
    onSelect.push(function (k) {
      if (candidates.indexOf(k) >= 0) {
        pick.value = String(k);
        show(k);
      }
    });
    show(candidates[0]);
  }

  function runName(run) {
    return run.seq === null || run.seq === undefined ? 'this run' : 'run #' + esc(run.seq);
  }

  function trendChart(runs, series) {
    var W = 760, H = 220, L = 64, R = 36, T = 12, B = 42, n = series.length;
    var most = 0, i;
    for (i = 0; i < n; i++) if (series[i] !== null) most = Math.max(most, series[i]);
    var step = niceStep(most / 4 || 1e-3), ceil = Math.ceil(most / step) * step || step;
    function x(j) { return L + (n > 1 ? (W - L - R) * j / (n - 1) : (W - L - R) / 2); }
    function y(v) { return T + (H - T - B) * (1 - v / ceil); }
    var svg = '';
    for (var v = 0; v <= ceil + step / 2; v += step) {
      svg += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v).toFixed(1) + '" y2="' +
        y(v).toFixed(1) + '" stroke="#eef0f3"></line><text class="muted" x="' + (L - 6) +
        '" y="' + (y(v) + 4).toFixed(1) + '" text-anchor="end">' + secs(v) + '</text>';
    }
    var every = Math.max(1, Math.ceil(n / 12)), path = [], dots = '';
    for (i = 0; i < n; i++) {
      var run = runs[i] || {};
      if (i % every === 0 || i === n - 1) {
        svg += '<text class="muted" x="' + x(i).toFixed(1) + '" y="' + (H - B + 16) +
          '" text-anchor="middle">' + runName(run) + '</text>' + (run.commit
          ? '<text class="muted" x="' + x(i).toFixed(1) + '" y="' + (H - B + 30) +
            '" text-anchor="middle">' + esc(String(run.commit).slice(0, 7)) + '</text>' : '');
      }
      if (series[i] === null) continue;
      path.push((path.length ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(series[i]).toFixed(1));
      dots += '<circle cx="' + x(i).toFixed(1) + '" cy="' + y(series[i]).toFixed(1) +
        '" r="3.5" fill="#2f6fba"><title>' + runName(run) +
        (run.commit ? ' (' + esc(String(run.commit).slice(0, 10)) + ')' : '') +
        (run.started_at ? ', ' + esc(new Date(run.started_at * 1000).toISOString().slice(0, 16).replace('T', ' ')) + ' UTC' : '') +
        ': mean setup ' + secs(series[i]) + '</title></circle>';
    }
    return '<svg id="trend-svg" data-points="' + path.length + '" viewBox="0 0 ' + W + ' ' + H +
      '" width="100%" style="max-width:' + W + 'px" role="img" aria-label="trend">' + svg +
      '<path d="' + path.join(' ') + '" fill="none" stroke="#2f6fba" stroke-width="2"></path>' +
      dots + '</svg>';
  }

  // -- draw everything, then say so -------------------------------------------------------------
  renderRun();
  renderInsights();
  renderCostliest();
  renderScopes();
  renderTable();
  renderTimeline();
  renderTrend();
  performance.mark('fixture-perf-ready');
  document.body.setAttribute('data-ready', performance.now().toFixed(1));
})();
