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

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
  }

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
    var map = L.map(el, { preferCanvas: true, worldCopyJump: true, attributionControl: true })
      .setView(center || [42.5, 132], zoom || 5);
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

  function popup(props) {
    var title = props.url
      ? '<a href="' + escapeHtml(props.url) + '">' + escapeHtml(props.name) + "</a>"
      : escapeHtml(props.name);
    return "<strong>" + title + "</strong>" + (props.note ? "<br>" + escapeHtml(props.note) : "");
  }

  var STYLES = {
    ports: { radius: 7, color: "#0b5394", fillColor: "#3d85c6", fillOpacity: 0.6, weight: 2 },
    tracks: { color: "#7f3f98", weight: 2 },
    detections: { radius: 5, color: "#b45f06", fillColor: "#f6b26b", fillOpacity: 0.9, weight: 1 },
    alerts: { radius: 8, color: "#990000", fillColor: "#e06666", fillOpacity: 0.9, weight: 2 },
    positions: { radius: 7, color: "#990000", fillColor: "#cc0000", fillOpacity: 0.8, weight: 2 }
  };

  /* Coastlines on a canvas; what the analyst clicks in SVG, one element per feature. */
  var svg = null;
  function marker(latlng, style, kind) {
    svg = svg || L.svg();
    return L.circleMarker(latlng, Object.assign({ renderer: svg, className: "marker-" + kind }, style));
  }

  function geoLayer(name, collection) {
    var style = STYLES[name] || STYLES.detections;
    return L.geoJSON(collection, {
      style: function (feature) {
        var kind = feature.geometry.type === "Point" ? (feature.properties.alert ? "marker-alert" : "marker-" + name) : "line-" + name;
        return Object.assign({ renderer: svg || (svg = L.svg()), className: kind }, style);
      },
      pointToLayer: function (feature, latlng) {
        return marker(latlng, style, feature.properties.alert ? "alert" : name);
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(popup(feature.properties || {}));
        if (feature.properties && feature.properties.name) {
          layer.bindTooltip(String(feature.properties.name));
        }
      }
    });
  }

  function layersMap(el) {
    var map = baseMap(el);
    var control = L.control.layers(null, {}, { collapsed: false }).addTo(map);
    var names = (el.dataset.layers || "").split(",").filter(Boolean);
    var bounds = L.latLngBounds([]);
    var pending = names.map(function (name) {
      var url = el.dataset.source.replace("{layer}", name);
      return getJson(url).then(function (collection) {
        var layer = geoLayer(name, collection).addTo(map);
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
        if (lyr.options && lyr.options.className === "marker-alert" && lyr.bringToFront) { lyr.bringToFront(); }
      });
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
    var layer = geoLayer("positions", { type: "FeatureCollection", features: features }).addTo(map);
    if (features.length && layer.getBounds().isValid()) {
      map.fitBounds(layer.getBounds().pad(0.5), { maxZoom: 7, animate: false });
    }
    el.dataset.loaded = "true";
  }

  function sectorChart(el, data) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true },
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
    var tl = new vis.Timeline(el, items, groups, { stack: true, zoomKey: "ctrlKey", maxHeight: 600 });
    tl.on("select", function (props) {
      if (props.items.length) { window.location = "/entity/" + props.items[0].split("|")[0]; }
    });
    el.dataset.loaded = "true";
  }

  function trackMap(el) {
    var map = baseMap(el);
    getJson(el.dataset.source).then(function (collection) {
      var layer = L.geoJSON(collection, {
        style: function (feature) {
          var point = feature.geometry.type === "Point";
          var kind = point ? (feature.properties.alert ? "marker-alert" : "marker-" + feature.properties.kind) : "line-track";
          return Object.assign({ renderer: svg || (svg = L.svg()), className: kind }, point ? {} : STYLES.tracks);
        },
        pointToLayer: function (feature, latlng) {
          var alert = feature.properties.alert;
          var style = alert ? STYLES.alerts : STYLES.detections;
          return marker(latlng, Object.assign({}, style, { radius: 6 }), alert ? "alert" : feature.properties.kind);
        },
        onEachFeature: function (feature, lyr) { lyr.bindPopup(popup(feature.properties || {})); }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 9, animate: false }); }
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

  document.addEventListener("DOMContentLoaded", function () {
    var el;
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
