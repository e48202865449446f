/* Watchkeeper workbench: the few scripts the pages need. Data comes from the page itself
   (<script type="application/json">) or from this app's JSON API; the libraries (htmx,
   Leaflet, topojson-client, ECharts, vis-timeline, cytoscape) are served from /static/vendor. Nothing
   is fetched from anywhere else. */
"use strict";

(function () {
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  /* When htmx replaces the part of the page that held the focus (a decision's form, by
     its answer), the focus would fall back to the page's top: it goes to what came in
     instead, so a keyboard or screen-reader user goes on from there. */
  var focusHeld = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    focusHeld = target && target.contains(document.activeElement) ? target : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusHeld) { return; }
    var held = focusHeld;
    focusHeld = null;
    if (document.body.contains(held) && held.contains(document.activeElement)) { return; }
    var swapped = event.target;
    var fresh = swapped && document.body.contains(swapped) ? swapped : null;
    if (!fresh || fresh === document.body) { return; }
    if (!fresh.hasAttribute("tabindex")) { fresh.setAttribute("tabindex", "-1"); }
    fresh.focus();
  });

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
  }

  /* The page's language (<html lang>) and the words its widgets show in it. */
  function lang() { return document.documentElement.lang || "en"; }
  var uiCache = null;
  function ui() { return uiCache || (uiCache = readJson("ui-strings") || { kinds: {} }); }

  /* A map with coastlines and borders drawn from world-atlas (Natural Earth), no tiles. */
  var worldCache = null;
  function world() {
    if (!worldCache) {
      worldCache = getJson("/static/vendor/countries-50m.json").then(function (topo) {
        return topojson.feature(topo, topo.objects.countries);
      });
    }
    return worldCache;
  }

  function baseMap(el, center, zoom) {
    var words = ui();
    var map = L.map(el, { preferCanvas: true, worldCopyJump: true, attributionControl: true, zoomControl: false })
      .setView(center || [42.5, 132], zoom || 5);
    L.control.zoom({ zoomInTitle: words.zoomIn || "Zoom in", zoomOutTitle: words.zoomOut || "Zoom out" }).addTo(map);
    map.attributionControl.setPrefix("").addAttribution("Natural Earth (world-atlas)");
    world().then(function (countries) {
      L.geoJSON(countries, {
        interactive: false,
        style: { color: "#51606f", weight: 0.8, fillColor: "#e9e4d8", fillOpacity: 1 }
      }).addTo(map).bringToBack();
    });
    el.dataset.ready = "true";
    return map;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  /* A feature's popup: what it is (the event's kind), its name (linked) and its note;
     every value escaped (names come from lists and analysts). */
  function popup(props) {
    var title = props.url
      ? '<a href="' + escapeHtml(props.url) + '">' + escapeHtml(props.name) + "</a>"
      : escapeHtml(props.name);
    var kind = ui().kinds[props.kind];
    var head = kind ? '<span class="popup-kind">' + escapeHtml(kind) + (props.alert ? " · " + escapeHtml(ui().alert || "alert") : "") + "</span><br>" : "";
    return head + "<strong>" + title + "</strong>" + (props.note ? "<br>" + escapeHtml(props.note) : "");
  }

  /* How each kind of thing is drawn, and named in the legend. An alert keeps its kind's
     look with a dark outline (and the class marker-alert). */
  var KINDS = {
    port: { radius: 7, color: "#0b5394", fillColor: "#3d85c6", fillOpacity: 0.6, weight: 2 },
    track: { color: "#7f3f98", weight: 2 },
    port_call: { radius: 6, color: "#1d5e20", fillColor: "#6aa84f", fillOpacity: 0.9, weight: 2 },
    gap: { color: "#b45f06", weight: 4, dashArray: "6 6", opacity: 0.95 },
    loitering: { radius: 7, color: "#7a4a00", fillColor: "#ffd966", fillOpacity: 0.9, weight: 2 },
    encounter: { radius: 8, color: "#4c1130", fillColor: "#c27ba0", fillOpacity: 0.9, weight: 2 },
    spoofing: { radius: 6, color: "#134f5c", fillColor: "#76a5af", fillOpacity: 0.9, weight: 2 },
    shared_mmsi: { radius: 6, color: "#20124d", fillColor: "#8e7cc3", fillOpacity: 0.9, weight: 2 },
    identity_change: { radius: 6, color: "#274e13", fillColor: "#b6d7a8", fillOpacity: 0.9, weight: 2 },
    position: { radius: 7, color: "#990000", fillColor: "#cc0000", fillOpacity: 0.8, weight: 2 },
    other: { radius: 5, color: "#b45f06", fillColor: "#f6b26b", fillOpacity: 0.9, weight: 1 }
  };
  var ALERT_OUTLINE = { color: "#111111", weight: 3 };
  var LAYER_KIND = { ports: "port", tracks: "track", positions: "position" };

  function kindOf(feature, layerName) {
    var props = feature.properties || {};
    return LAYER_KIND[layerName] || (KINDS[props.kind] ? props.kind : "other");
  }

  function styleOf(kind, alert) {
    var style = Object.assign({}, KINDS[kind] || KINDS.other);
    if (alert) { Object.assign(style, ALERT_OUTLINE, kind === "gap" ? { color: "#7f0000", weight: 5 } : {}); }
    return style;
  }

  /* Points as circles and lines (tracks, dark periods) in SVG, one element per feature,
     classed by what they are: marker-<kind> / line-<kind>, and marker-alert for alerts. */
  var svg = null;
  function renderer() { return svg || (svg = L.svg()); }
  function classes(feature, kind, layerName) {
    var point = feature.geometry.type === "Point";
    var alert = feature.properties && feature.properties.alert;
    var prefix = point ? "marker-" : "line-";
    var name = prefix + kind;
    if (LAYER_KIND[layerName]) { name += " " + prefix + layerName; }  /* marker-ports, line-tracks */
    return name + (alert ? " marker-alert" : "");
  }

  function featureLayer(collection, layerName, seen) {
    return L.geoJSON(collection, {
      style: function (feature) {
        var kind = kindOf(feature, layerName);
        seen[kind] = seen[kind] || (feature.properties && feature.properties.alert ? "alert" : true);
        return Object.assign({ renderer: renderer(), className: classes(feature, kind, layerName) }, styleOf(kind, feature.properties.alert));
      },
      pointToLayer: function (feature, latlng) {
        var kind = kindOf(feature, layerName);
        seen[kind] = true;
        if (feature.properties && feature.properties.alert) { seen.alert = true; }
        return L.circleMarker(latlng, Object.assign({ renderer: renderer(), className: classes(feature, kind, layerName) }, styleOf(kind, feature.properties.alert)));
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties || {};
        if (props.alert) { seen.alert = true; }
        layer.bindPopup(popup(props));
        if (props.name) { layer.bindTooltip(escapeHtml(props.name)); }
        layer.feature = feature;
      }
    });
  }

  /* The legend: one entry for each kind the map shows, drawn as on the map. */
  function legend(map, seen) {
    var words = ui();
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      var order = ["port", "track", "position", "port_call", "gap", "loitering", "encounter", "spoofing", "shared_mmsi", "identity_change", "other"];
      var html = "<strong>" + escapeHtml(words.legend || "Legend") + "</strong><ul>";
      order.forEach(function (kind) {
        if (!seen[kind]) { return; }
        var style = KINDS[kind];
        var line = kind === "track" || kind === "gap";
        var label = words.kinds[kind] || words[kind] || kind;
        var swatch = line
          ? '<svg width="22" height="10" aria-hidden="true"><line x1="1" y1="5" x2="21" y2="5" stroke="' + style.color + '" stroke-width="3"' + (style.dashArray ? ' stroke-dasharray="4 3"' : "") + "/></svg>"
          : '<svg width="22" height="14" aria-hidden="true"><circle cx="11" cy="7" r="5" fill="' + style.fillColor + '" stroke="' + style.color + '" stroke-width="2"/></svg>';
        html += '<li data-kind="' + kind + '">' + swatch + " " + escapeHtml(label) + "</li>";
      });
      if (seen.alert) {
        html += '<li data-kind="alert"><svg width="22" height="14" aria-hidden="true"><circle cx="11" cy="7" r="5" fill="#ffffff" stroke="#111111" stroke-width="3"/></svg> ' + escapeHtml(words.alert || "alert") + "</li>";
      }
      div.innerHTML = html + "</ul>";
      return div;
    };
    control.addTo(map);
    return control;
  }

  /* The time slider: what happened up to the chosen moment (tracks cut there, events
     begun by then). Built under the map, with its label, for the keyboard too. */
  function timeSlider(el, map, layers) {
    var words = ui();
    var times = [];
    layers.forEach(function (layer) {
      layer.eachLayer(function (lyr) {
        var props = lyr.feature.properties || {};
        (props.times || [props.start, props.end]).forEach(function (t) { if (t) { times.push(t); } });
      });
    });
    if (!times.length) { return; }
    times.sort();
    var first = Date.parse(times[0]), last = Date.parse(times[times.length - 1]);
    if (!(last > first)) { return; }
    var box = document.createElement("div");
    box.className = "map-time";
    var id = el.id + "-time";
    box.innerHTML = '<label for="' + id + '">' + escapeHtml(words.showUpTo || "Show what happened up to") + '</label> <input type="range" id="' + id + '" min="0" max="1000" step="1" value="1000"> <output for="' + id + '"></output>';
    el.insertAdjacentElement("afterend", box);
    var input = box.querySelector("input"), output = box.querySelector("output");
    var format = new Intl.DateTimeFormat(lang(), { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
    function apply() {
      var until = first + (last - first) * Number(input.value) / 1000;
      var all = Number(input.value) >= 1000;
      output.textContent = all ? (words.allTimes || "all") + " (" + format.format(new Date(last)) + " UTC)" : format.format(new Date(until)) + " UTC";
      var shown = 0;
      layers.forEach(function (layer) {
        layer.eachLayer(function (lyr) {
          var props = lyr.feature.properties || {};
          if (props.times && lyr.setLatLngs) {
            var coords = lyr.feature.geometry.coordinates, kept = [];
            for (var i = 0; i < coords.length; i++) {
              if (all || Date.parse(props.times[i]) <= until) { kept.push([coords[i][1], coords[i][0]]); }
            }
            lyr.setLatLngs(kept);
            if (kept.length) { shown += 1; }
            return;
          }
          var visible = all || !props.start || Date.parse(props.start) <= until;
          var path = lyr.getElement && lyr.getElement();
          if (path) { path.style.display = visible ? "" : "none"; }
          if (visible) { shown += 1; }
        });
      });
      el.dataset.shown = String(shown);
      el.dataset.until = all ? "" : new Date(until).toISOString();
    }
    input.addEventListener("input", apply);
    apply();
  }

  function layersMap(el) {
    var map = baseMap(el);
    var control = L.control.layers(null, {}, { collapsed: false }).addTo(map);
    var names = (el.dataset.layers || "").split(",").filter(Boolean);
    var bounds = L.latLngBounds([]);
    var seen = {};
    var layers = [];
    var pending = names.map(function (name) {
      var url = el.dataset.source.replace("{layer}", name);
      return getJson(url).then(function (collection) {
        var layer = featureLayer(collection, name, seen).addTo(map);
        layers.push(layer);
        control.addOverlay(layer, el.dataset["label" + name] || name);
        if (layer.getBounds().isValid()) { bounds.extend(layer.getBounds()); }
        el.dataset["count" + name] = String(collection.features.length);
      });
    });
    Promise.all(pending).then(function () {
      /* Without animation: "loaded" means the view has settled, and a click lands where
         the marker is drawn. Alerts go on top of the ports they sit in. */
      if (bounds.isValid()) { map.fitBounds(bounds.pad(0.2), { maxZoom: 9, animate: false }); }
      map.eachLayer(function (lyr) {
        var name = lyr.options && lyr.options.className;
        if (name && name.indexOf("marker-alert") >= 0 && lyr.bringToFront) { lyr.bringToFront(); }
      });
      legend(map, seen);
      timeSlider(el, map, layers);
      el.dataset.loaded = "true";
    }).catch(function (err) { el.dataset.error = String(err); });
  }

  function positionsMap(el, data) {
    var map = baseMap(el);
    var features = data.map(function (p) {
      return {
        type: "Feature",
        geometry: { type: "Point", coordinates: [p.lon, p.lat] },
        properties: { name: p.name + " (" + p.ts.slice(0, 16) + ")", url: "/entity/" + p.id }
      };
    });
    var seen = {};
    var layer = featureLayer({ type: "FeatureCollection", features: features }, "positions", seen).addTo(map);
    if (features.length && layer.getBounds().isValid()) {
      map.fitBounds(layer.getBounds().pad(0.5), { maxZoom: 7, animate: false });
    }
    el.dataset.loaded = "true";
  }

  function sectorChart(el, data) {
    var chart = echarts.init(el, null, { renderer: "svg", locale: lang() === "zh" ? "ZH" : "EN" });
    chart.setOption({
      /* ECharts writes its own chart description in English or Chinese only: the page's
         words instead, in the user's language */
      aria: { enabled: true, label: { description: ui().chartDescription || "" } },
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { top: 40, left: 40, right: 10, bottom: 30 },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.label, type: "bar", stack: "events", data: s.data };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.loaded = "true";
  }

  /* vis-timeline in the user's language: its axis labels written by the browser's Intl
     for <html lang> (its bundled moment.js knows no Korean, and without a locale it falls
     back to whichever locale moment loaded last), and its few words from the page. */
  var MINOR = {
    millisecond: null, second: { second: "2-digit" },
    minute: { hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    hour: { hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    weekday: { weekday: "short", day: "numeric" }, day: { day: "numeric" }, week: { day: "numeric" },
    month: { month: "short" }, year: { year: "numeric" }
  };
  var MAJOR = {
    millisecond: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
    second: { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    minute: { weekday: "short", day: "numeric", month: "long" },
    hour: { weekday: "short", day: "numeric", month: "long" },
    weekday: { month: "long", year: "numeric" }, day: { month: "long", year: "numeric" },
    week: { month: "long", year: "numeric" }, month: { year: "numeric" }, year: null
  };
  function dateLabel(table) {
    var formats = {};
    return function (date, scale) {
      var d = date && date.toDate ? date.toDate() : new Date(date);
      var options = table[scale];
      if (options === undefined) { options = { year: "numeric", month: "short", day: "numeric" }; }
      if (options === null) { return scale === "millisecond" ? String(d.getMilliseconds()) : ""; }
      formats[scale] = formats[scale] || new Intl.DateTimeFormat(lang(), options);
      return formats[scale].format(d);
    };
  }
  function timelineOptions() {
    var words = ui(), locales = {};
    locales[lang()] = { current: words.timelineCurrent || "current", time: words.timelineTime || "time", deleteSelected: "" };
    return {
      stack: true, zoomKey: "ctrlKey", maxHeight: 600, locale: lang(), locales: locales,
      format: { minorLabels: dateLabel(MINOR), majorLabels: dateLabel(MAJOR) }
    };
  }

  function timeline(el, data) {
    var groups = new vis.DataSet(data.groups.map(function (g) {
      return { id: g.id, content: escapeHtml(g.label) };
    }));
    var items = new vis.DataSet(data.items.map(function (i) {
      return {
        id: i.id + "|" + i.group, group: i.group, start: i.start, end: i.end || undefined,
        content: escapeHtml(i.title), title: escapeHtml(i.date + " " + i.title),
        type: i.end ? "range" : "box"
      };
    }));
    var tl = new vis.Timeline(el, items, groups, timelineOptions());
    tl.on("select", function (props) {
      if (props.items.length) { window.location = "/entity/" + props.items[0].split("|")[0]; }
    });
    el.dataset.loaded = "true";
  }

  /* A vessel's page: its track, and its port calls, dark periods, encounters and
     loitering on it, with a legend and a time slider. */
  function trackMap(el) {
    var map = baseMap(el);
    getJson(el.dataset.source).then(function (collection) {
      var seen = {};
      var tracks = { type: "FeatureCollection", features: collection.features.filter(function (f) { return f.properties.kind === "track"; }) };
      var events = { type: "FeatureCollection", features: collection.features.filter(function (f) { return f.properties.kind !== "track"; }) };
      var trackLayer = featureLayer(tracks, "tracks", seen).addTo(map);
      var eventLayer = featureLayer(events, "events", seen).addTo(map);
      var bounds = trackLayer.getBounds();
      if (eventLayer.getBounds().isValid()) { bounds.extend(eventLayer.getBounds()); }
      if (bounds.isValid()) { map.fitBounds(bounds.pad(0.3), { maxZoom: 9, animate: false }); }
      legend(map, seen);
      timeSlider(el, map, [trackLayer, eventLayer]);
      el.dataset.loaded = "true";
      el.dataset.features = String(collection.features.length);
    }).catch(function (err) { el.dataset.error = String(err); });
  }

  /* The network explorer: cytoscape draws the subgraph the page carries; a click on a
     node fetches its neighbours (same filters) and adds them; PNG is cytoscape's own. */
  function networkGraph(el, data) {
    function elements(graph) {
      var out = graph.nodes.map(function (n) {
        return {
          group: "nodes",
          data: { id: n.id, label: n.caption || n.id, schema: n.schema || "" },
          classes: (n.sanctioned ? "sanctioned" : "") + (n.id === data.entity ? " start" : "")
        };
      });
      graph.links.forEach(function (l) {
        out.push({
          group: "edges",
          data: { id: l.via + "|" + l.source + "|" + l.target, source: l.source, target: l.target, label: l.kind },
          classes: l.implied ? "implied" : ""
        });
      });
      return out;
    }
    var cy = cytoscape({
      container: el,
      elements: elements(data),
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#3d85c6", "text-wrap": "ellipsis", "text-max-width": 120 } },
        { selector: "node.sanctioned", style: { "background-color": "#cc0000", shape: "diamond" } },
        { selector: "node.start", style: { "border-width": 3, "border-color": "#111" } },
        { selector: "edge", style: { label: "data(label)", "font-size": 8, width: 1.5, "line-color": "#888", "curve-style": "bezier" } },
        { selector: "edge.implied", style: { "line-style": "dashed" } }
      ],
      layout: { name: "cose", animate: false, padding: 40 }
    });
    function settle() {  // a few nodes would otherwise fill the frame
      if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }
    }
    settle();
    /* New nodes and links are listed in the page's tables too (what the graph shows,
       readable without it). */
    function listed(graph, fresh) {
      var known = {};
      cy.nodes().forEach(function (n) { known[n.id()] = n.data("label"); });
      var added = {};
      fresh.forEach(function (item) { added[item.data.id] = true; });
      var nodes = document.querySelector("#nodes-table tbody");
      var links = document.querySelector("#links-table tbody");
      graph.nodes.forEach(function (n) {
        if (!added[n.id] || !nodes) { return; }
        var row = nodes.insertRow(-1);
        row.innerHTML = "<td>+</td><td><a href=\"/network/" + encodeURIComponent(n.id) + "\">" +
          escapeHtml(n.caption || n.id) + "</a></td><td>" + escapeHtml(n.schema || "") + "</td><td>" +
          (n.list_ids || []).map(function (l) { return '<span class="tag list-id">' + escapeHtml(l) + "</span>"; }).join("") + "</td>";
      });
      graph.links.forEach(function (l) {
        if (!added[l.via + "|" + l.source + "|" + l.target] || !links) { return; }
        var row = links.insertRow(-1);
        row.innerHTML = "<td>" + escapeHtml(known[l.source] || l.source) + "</td><td>" + escapeHtml(l.kind) +
          "</td><td>" + escapeHtml(known[l.target] || l.target) + "</td>";
      });
    }
    function count() {
      var nodes = document.getElementById("node-count");
      var links = document.getElementById("link-count");
      if (nodes) { nodes.textContent = String(cy.nodes().length); }
      if (links) { links.textContent = String(cy.edges().length); }
      el.dataset.nodes = String(cy.nodes().length);
    }
    cy.on("tap", "node", function (event) {
      var id = event.target.id();
      el.dataset.expanding = id;
      getJson(el.dataset.source.replace("{id}", encodeURIComponent(id))).then(function (graph) {
        var fresh = elements(graph).filter(function (item) { return cy.getElementById(item.data.id).empty(); });
        fresh.forEach(function (item) { if (item.classes) { item.classes = item.classes.replace("start", ""); } });
        cy.add(fresh);
        cy.layout({ name: "cose", animate: false, padding: 40 }).run();
        settle();
        listed(graph, fresh);
        count();
        el.dataset.expanded = (el.dataset.expanded ? el.dataset.expanded + " " : "") + id;
      }).catch(function (err) { el.dataset.error = String(err); });
    });
    cy.on("dbltap", "node", function (event) {
      window.location = "/entity/" + encodeURIComponent(event.target.id());
    });
    var png = document.getElementById("network-png");
    if (png) {
      png.addEventListener("click", function () {
        var blob = cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = "network-" + data.entity + ".png";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    }
    count();
    el.dataset.loaded = "true";
    window.watchkeeperNetwork = cy;
  }

  /* A marking from AMBER up is seen outside the organisation only by the recipients it
     names: the form asks for them before it is sent (the server refuses it without). */
  var NAMED_RECIPIENTS = ["AMBER", "AMBER+STRICT", "RED"];
  function recipientsRequired(select) {
    var form = select.form;
    var recipients = form && form.querySelector('input[name="recipients"]');
    if (!recipients) { return; }
    var needed = NAMED_RECIPIENTS.indexOf(select.value) >= 0;
    recipients.required = needed;
    recipients.setAttribute("aria-required", needed ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el;
    Array.prototype.forEach.call(document.querySelectorAll('select[name="tlp"]'), function (select) {
      recipientsRequired(select);
      select.addEventListener("change", function () { recipientsRequired(select); });
    });
    if ((el = document.getElementById("sector-chart")) && window.echarts) {
      sectorChart(el, readJson("sector-data"));
    }
    if ((el = document.getElementById("overview-map")) && window.L) {
      positionsMap(el, readJson("positions-data"));
    }
    if ((el = document.getElementById("layers-map")) && window.L) { layersMap(el); }
    if ((el = document.getElementById("track-map")) && window.L) { trackMap(el); }
    if ((el = document.getElementById("timeline")) && window.vis) {
      timeline(el, readJson("timeline-data"));
    }
    if ((el = document.getElementById("network-graph")) && window.cytoscape) {
      networkGraph(el, readJson("network-data"));
    }
  });
})();
