/*
 * netplan review map: draws the layers of the page's JSON data (#netplan-data) with Leaflet,
 * and adds the controls a reviewer in the field needs: a layer switch, a legend that follows
 * it, the title box, search by name or id, the coordinates and regency of a clicked place, a
 * metric scale bar, zoom and fullscreen. Part of netplan (Apache-2.0).
 *
 * Every text in the data was HTML-escaped by netplan before it was written into the page, so
 * it is shown with innerHTML as text; nothing here turns raw input into markup.
 */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('netplan-data').textContent);
  var labels = data.labels;
  var smallScreen = window.innerWidth < 600;
  var PANES = {base: 150, regions: 350, images: 380, areas: 400, sites: 440};

  var map = L.map('netplan-map', {preferCanvas: true, zoomControl: false});
  map.fitBounds(data.bounds);
  Object.keys(PANES).forEach(function (name) {
    var pane = map.createPane('np-' + name);
    pane.style.zIndex = String(PANES[name]);
    if (name === 'base' || name === 'regions' || name === 'images') {
      pane.style.pointerEvents = 'none';
    }
  });
  // one canvas for the many features (blank spots, links, villages...: restack keeps their
  // order), SVG above it for the sites: an SVG pane lets clicks through where it draws
  // nothing, a canvas takes them all
  var renderers = {
    regions: L.canvas({pane: 'np-regions'}),
    areas: L.canvas({pane: 'np-areas', tolerance: 4}),
    sites: L.svg({pane: 'np-sites'})
  };

  var decoder = document.createElement('textarea');
  function plain(html) {
    decoder.innerHTML = html;
    return decoder.value;
  }

  function ring(flat) {
    var out = [];
    var lat = 0;
    var lon = 0;
    for (var i = 0; i < flat.length; i += 2) {
      lat += flat[i];
      lon += flat[i + 1];
      out.push([lat / 1e5, lon / 1e5]);
    }
    return out;
  }

  function isPoint(geometry) {
    return typeof geometry[0] === 'number';
  }

  function polygonRings(geometry) {
    return geometry.map(function (polygon) { return polygon.map(ring); });
  }

  function shape(spec, feature) {
    var geometry = feature[0];
    var options = L.extend(
      {renderer: renderers[spec.pane], interactive: spec.interactive},
      spec.classes[feature[1]].style
    );
    if (isPoint(geometry)) {
      return L.circleMarker([geometry[0], geometry[1]], options);
    }
    if (spec.geometry === 'line') {
      return L.polyline(geometry.map(ring), options);
    }
    return L.polygon(polygonRings(geometry), options);
  }

  function latLngText(latlng) {
    return latlng.lat.toFixed(5) + ', ' + latlng.lng.toFixed(5);
  }

  function table(rows) {
    return '<table>' + rows.map(function (row) {
      return '<tr><th>' + row[0] + '</th><td>' + row[1] + '</td></tr>';
    }).join('') + '</table>';
  }

  function fieldRows(spec, feature) {
    var values = feature[2];
    var rows = [];
    spec.fields.forEach(function (label, i) {
      if (values[i] !== undefined && values[i] !== '') {
        rows.push([label, values[i]]);
      }
      if (i === 0 && spec.classField) {
        rows.push([spec.classField, spec.classes[feature[1]].label]);
      }
    });
    return rows;
  }

  function popupHtml(spec, layer) {
    if (spec.popups) {
      return spec.popups[layer.netplanIndex];
    }
    var rows = fieldRows(spec, spec.features[layer.netplanIndex]);
    if (layer.getLatLng) {
      rows.push([labels.coordinates, latLngText(layer.getLatLng())]);
    }
    return '<div class="netplan-popup">' + table(rows) + '</div>';
  }

  var lastFeatureClick = null;

  function popupHeight() {
    return Math.max(200, window.innerHeight - 140);
  }

  function openFeature(spec, layer, latlng) {
    var at = layer.getLatLng ? layer.getLatLng() : latlng;
    L.popup({maxWidth: 360, maxHeight: popupHeight(), autoPanPadding: [24, 24]})
      .setLatLng(at)
      .setContent(popupHtml(spec, layer))
      .openOn(map);
  }

  // --- layers ---
  var specs = {};
  var groups = {};
  var features = {};
  var regionShapes = [];

  function vectorGroup(spec) {
    var group = L.featureGroup();
    features[spec.key] = spec.features.map(function (feature, i) {
      var geometry = feature[0];
      if (spec.reach && isPoint(geometry) && geometry.length > 2) {
        group.addLayer(L.circle([geometry[0], geometry[1]], L.extend(
          {radius: geometry[2], renderer: renderers[spec.pane], interactive: false},
          spec.reach
        )));
      }
      var layer = shape(spec, feature);
      layer.netplanIndex = i;
      if (spec.tooltip >= 0 && feature[2][spec.tooltip]) {
        layer.bindTooltip(feature[2][spec.tooltip], {direction: 'top', offset: [0, -6]});
      }
      group.addLayer(layer);
      if (spec.key === 'regions' && !isPoint(geometry)) {
        regionShapes.push({index: i, polygons: polygonRings(geometry)});
      }
      return layer;
    });
    if (spec.interactive) {
      group.on('click', function (e) {
        lastFeatureClick = e.originalEvent;
        openFeature(spec, e.layer, e.latlng);
      });
    }
    return group;
  }

  data.layers.forEach(function (spec) {
    specs[spec.key] = spec;
    var group = spec.image
      ? L.imageOverlay(spec.image, spec.bounds, {pane: 'np-images', opacity: spec.opacity})
      : vectorGroup(spec);
    groups[spec.key] = group;
    if (spec.show) {
      group.addTo(map);
    }
  });

  // a re-shown layer is drawn last on its canvas: put every layer back in its place
  var vectorKeys = data.layers.filter(function (s) { return !s.image; }).map(function (s) {
    return s.key;
  });
  function restack() {
    vectorKeys.forEach(function (key) {
      if (map.hasLayer(groups[key])) {
        groups[key].eachLayer(function (layer) { layer.bringToFront(); });
      }
    });
  }

  // points shrink when the whole of a large region is in view (dots would cover it)
  var pointScale = 0;
  function scaleFor(zoom) {
    return zoom >= 10 ? 1 : (zoom >= 8 ? 0.7 : 0.45);
  }
  function resizePoints() {
    var scale = scaleFor(map.getZoom());
    if (scale === pointScale) {
      return;
    }
    pointScale = scale;
    data.layers.forEach(function (spec) {
      (features[spec.key] || []).forEach(function (layer, i) {
        var radius = spec.classes[spec.features[i][1]].style.radius;
        if (layer.setRadius && radius) {
          layer.setRadius(radius * scale);
        }
      });
    });
  }
  map.on('zoomend', resizePoints);
  resizePoints();

  // --- base layers and the layer switch ---
  var bases = {};
  var noBase = L.layerGroup();
  if (data.base) {
    var terrain = L.imageOverlay(data.base.image, data.base.bounds, {pane: 'np-base'});
    bases[labels.terrain] = terrain;
    terrain.addTo(map);
  } else {
    noBase.addTo(map);
  }
  bases[labels.noBasemap] = noBase;
  bases[labels.osm] = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
  });
  var overlays = {};
  data.layers.slice().reverse().forEach(function (spec) {
    overlays[spec.name] = groups[spec.key];
  });

  // --- controls ---
  function boxControl(id, position, collapsed) {
    var box = document.getElementById(id);
    var control = L.control({position: position});
    control.onAdd = function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    var button = box.querySelector('.netplan-toggle');
    function set(hidden) {
      box.classList.toggle('netplan-collapsed', hidden);
      button.setAttribute('aria-expanded', String(!hidden));
      button.textContent = hidden ? '+' : '\u2212';
    }
    button.addEventListener('click', function () {
      set(!box.classList.contains('netplan-collapsed'));
    });
    set(collapsed);
  }

  function syncLegend() {
    var sections = document.querySelectorAll('#netplan-legend [data-layer]');
    Array.prototype.forEach.call(sections, function (section) {
      var group = groups[section.getAttribute('data-layer')];
      section.hidden = !(group && map.hasLayer(group));
    });
  }

  boxControl('netplan-title', 'topleft', smallScreen);
  L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map);
  boxControl('netplan-legend', 'bottomleft', smallScreen);
  syncLegend();
  map.on('overlayadd', restack);
  map.on('overlayadd overlayremove', syncLegend);

  // --- search ---
  var index = [];
  data.layers.forEach(function (spec) {
    if (!spec.search || !spec.search.length || spec.image) {
      return;
    }
    spec.features.forEach(function (feature, i) {
      var shown = spec.search.map(function (j) { return feature[2][j]; }).filter(Boolean);
      if (!shown.length) {
        return;
      }
      var html = shown.join(' \u00b7 ');
      index.push({key: spec.key, index: i, html: html, text: normalise(plain(html))});
    });
  });

  function normalise(text) {
    return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }

  function show(entry) {
    var group = groups[entry.key];
    if (!map.hasLayer(group)) {
      map.addLayer(group);
      restack();
      syncLegend();
    }
    var layer = features[entry.key][entry.index];
    var at;
    if (layer.getLatLng) {
      at = layer.getLatLng();
      map.setView(at, Math.max(map.getZoom(), 13));
    } else {
      at = layer.getBounds().getCenter();
      map.fitBounds(layer.getBounds(), {maxZoom: 14});
    }
    openFeature(specs[entry.key], layer, at);
  }

  var Search = L.Control.extend({
    options: {position: 'topright'},
    onAdd: function () {
      var box = L.DomUtil.create('div', 'netplan-search leaflet-bar');
      var input = L.DomUtil.create('input', '', box);
      var results = L.DomUtil.create('div', 'netplan-results', box);
      input.type = 'search';
      input.placeholder = plain(labels.search);
      input.setAttribute('aria-label', plain(labels.search));
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      var found = [];
      function list() {
        var query = normalise(input.value.trim());
        results.innerHTML = '';
        found = query ? index.filter(function (e) { return e.text.indexOf(query) >= 0; }) : [];
        found.slice(0, 10).forEach(function (entry) {
          var button = L.DomUtil.create('button', '', results);
          button.type = 'button';
          button.innerHTML = entry.html + ' <small>' + specs[entry.key].name + '</small>';
          button.addEventListener('click', function () { show(entry); });
        });
        if (query && !found.length) {
          L.DomUtil.create('div', 'netplan-note', results).innerHTML = labels.noMatch;
        }
      }
      input.addEventListener('input', list);
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && found.length) {
          show(found[0]);
        } else if (e.key === 'Escape') {
          input.value = '';
          list();
        }
      });
      return box;
    }
  });
  new Search().addTo(map);
  L.control.layers(bases, overlays, {collapsed: smallScreen, position: 'topright'}).addTo(map);
  map.zoomControl = L.control.zoom({
    position: 'bottomright',
    zoomInTitle: plain(labels.zoomIn),
    zoomOutTitle: plain(labels.zoomOut)
  }).addTo(map);
  new L.Control.FullScreen({
    position: 'bottomright',
    title: plain(labels.fullscreen),
    titleCancel: plain(labels.exitFullscreen)
  }).addTo(map);

  // --- a click on the map: its coordinates and the regency it falls in ---
  function inRing(points, lat, lon) {
    var inside = false;
    for (var i = 0, j = points.length - 1; i < points.length; j = i, i += 1) {
      var a = points[i];
      var b = points[j];
      if ((a[0] > lat) !== (b[0] > lat) &&
          lon < (b[1] - a[1]) * (lat - a[0]) / (b[0] - a[0]) + a[1]) {
        inside = !inside;
      }
    }
    return inside;
  }

  function regionAt(latlng) {
    for (var k = 0; k < regionShapes.length; k += 1) {
      var hit = regionShapes[k].polygons.some(function (rings) {
        return rings.reduce(function (inside, points) {
          return inRing(points, latlng.lat, latlng.lng) ? !inside : inside;
        }, false);
      });
      if (hit) {
        return regionShapes[k].index;
      }
    }
    return -1;
  }

  map.on('click', function (e) {
    if (e.originalEvent && e.originalEvent === lastFeatureClick) {
      return;
    }
    var rows = [[labels.coordinates, latLngText(e.latlng)]];
    var region = regionAt(e.latlng);
    if (region >= 0) {
      var spec = specs.regions;
      rows = rows.concat(fieldRows(spec, spec.features[region]));
    } else {
      rows.push(['', labels.outside]);
    }
    L.popup({maxWidth: 360, maxHeight: popupHeight()}).setLatLng(e.latlng)
      .setContent('<div class="netplan-popup netplan-place">' + table(rows) + '</div>')
      .openOn(map);
  });

  // for tests and for anyone scripting the page
  window.netplan = {
    map: map,
    groups: groups,
    features: features,
    open: function (key, i) {
      var layer = features[key][i];
      openFeature(specs[key], layer, layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter());
    }
  };
}());
