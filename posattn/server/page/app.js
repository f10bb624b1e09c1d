// The posattn page: tag the text through POST /api/tag and draw, for a clicked word, where it
// attends (one layer and head, or the heads' average), from the weights the API returns.
"use strict";

// One colour per UPOS tag; other tag sets get a grey.
const TAG_COLOURS = {
  ADJ: "#ffd8a8", ADP: "#d0ebff", ADV: "#ffe3e3", AUX: "#e5dbff", CCONJ: "#c5f6fa",
  DET: "#d3f9d8", INTJ: "#fff3bf", NOUN: "#a5d8ff", NUM: "#eebefa", PART: "#dee2e6",
  PRON: "#b2f2bb", PROPN: "#74c0fc", PUNCT: "#f1f3f5", SCONJ: "#99e9f2", SYM: "#e9ecef",
  VERB: "#ffa8a8", X: "#ced4da",
};

const state = { sentences: [], chosen: null, model: null };  // chosen: {sentence, token}
const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function setStatus(message, isError = false) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

// POST a request to /api/tag: the answer's JSON, or null after saying what went wrong.
async function ask(body) {
  try {
    const response = await fetch("/api/tag", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let answer = null;
    try { answer = JSON.parse(text); } catch (error) { answer = null; }
    if (response.ok && answer) return answer;
    setStatus((answer && answer.error) || `the server answered ${response.status}`, true);
  } catch (error) {
    setStatus(`no answer from the server (${error})`, true);
  }
  return null;
}

// Attention is asked for a sentence at a time, when one of its words is clicked: maps grow with
// the square of a sentence's length, and most texts are tagged without looking at them.
async function tagText(event) {
  event.preventDefault();
  $("tag").disabled = true;
  setStatus("tagging…");
  const answer = await ask({ text: $("text").value });
  $("tag").disabled = false;
  if (!answer) return;
  state.sentences = answer.sentences;
  state.chosen = null;
  showSentences();
  setStatus("");
}

function showSentences() {
  const box = $("sentences");
  box.replaceChildren();
  $("attention").hidden = true;
  state.sentences.forEach((sentence, s) => {
    const line = element("div", { class: "sentence" });
    sentence.tokens.forEach((token, t) => {
      const chip = element("span", {
        class: "token", "data-tag": token.upos, "data-sentence": s, "data-token": t,
        title: token.xpos ? `${token.upos} (${token.xpos}) ${token.feats || ""}` : token.upos,
      });
      chip.style.background = TAG_COLOURS[token.upos] || "#e9ecef";
      chip.append(
        element("span", { class: "form" }, token.form),
        element("span", { class: "tag" }, token.upos),
        element("span", { class: "prob" }, token.probability.toFixed(2)),
      );
      chip.addEventListener("click", () => choose(s, t));
      line.append(chip);
    });
    box.append(line);
  });
}

async function choose(s, t) {
  state.chosen = { sentence: s, token: t };
  document.querySelectorAll(".token").forEach((chip) => {
    const here = Number(chip.dataset.sentence) === s && Number(chip.dataset.token) === t;
    chip.classList.toggle("selected", here);
  });
  const sentence = state.sentences[s];
  if (sentence.attention === null && state.model && state.model.attention) {
    const forms = sentence.tokens.map((token) => token.form);
    const answer = await ask({ sentences: [forms], attention: true });
    if (answer) sentence.attention = answer.sentences[0].attention || false;
  }
  if (state.chosen.sentence !== s || state.chosen.token !== t) return;  // clicked on meanwhile
  $("attention").hidden = false;
  const controls = $("attention-controls");
  if (!sentence.attention) {
    const why = !state.model || !state.model.attention
      ? "This model has no attention to show."
      : `Sentences over 256 tokens are tagged in windows: this one (${sentence.tokens.length}) has no single map.`;
    $("attention-title").textContent = why;
    controls.hidden = true;
    $("strip").replaceChildren();
    $("matrix").replaceChildren();
    return;
  }
  controls.hidden = false;
  fillChoices($("layer"), sentence.attention.layers, false);
  fillChoices($("head"), sentence.attention.heads, true);
  draw();
}

function fillChoices(select, count, withAverage) {
  const kept = select.value;
  select.replaceChildren();
  for (let i = 1; i <= count; i++) select.append(element("option", { value: i }, String(i)));
  if (withAverage) select.append(element("option", { value: "average" }, "average"));
  if ([...select.options].some((option) => option.value === kept)) select.value = kept;
}

// (tokens, tokens): row i is how token i spreads its attention over the sentence.
function chosenMap(attention) {
  const layer = attention.weights[Number($("layer").value) - 1];  // (heads, tokens, tokens)
  if ($("head").value !== "average") return layer[Number($("head").value) - 1];
  return layer[0].map((row, i) =>
    row.map((_, j) => layer.reduce((sum, head) => sum + head[i][j], 0) / layer.length));
}

function shade(cell, weight) {
  cell.style.background = `rgba(25, 90, 170, ${Math.min(1, weight * 1.5)})`;
  cell.style.color = weight > 0.4 ? "white" : "#222";
}

function draw() {
  if (!state.chosen) return;
  const { sentence: s, token: t } = state.chosen;
  const sentence = state.sentences[s];
  if (!sentence.attention) return;
  const map = chosenMap(sentence.attention);
  const forms = sentence.tokens.map((token) => token.form);
  const head = $("head").value === "average" ? "heads averaged" : `head ${$("head").value}`;
  $("attention-title").textContent =
    `Where “${forms[t]}” (word ${t + 1}) attends: layer ${$("layer").value}, ${head}`;

  const strip = $("strip");
  strip.replaceChildren();
  forms.forEach((form, j) => {
    const piece = element("span", { "data-weight": map[t][j] }, `${form} ${Math.round(100 * map[t][j])}%`);
    shade(piece, map[t][j]);
    strip.append(piece);
  });

  const matrix = $("matrix");
  matrix.replaceChildren();
  const header = element("tr");
  header.append(element("th"));
  forms.forEach((form) => header.append(element("th", {}, form)));
  matrix.append(element("thead"));
  matrix.tHead.append(header);
  const body = element("tbody");
  map.forEach((row, i) => {
    const line = element("tr", i === t ? { class: "selected" } : {});
    line.append(element("th", {}, forms[i]));
    row.forEach((weight, j) => {
      const cell = element("td", { "data-weight": weight, title: `${forms[i]} → ${forms[j]}` },
        String(Math.round(100 * weight)));
      shade(cell, weight);
      line.append(cell);
    });
    body.append(line);
  });
  matrix.append(body);
}

async function describeModel() {
  try {
    const model = await (await fetch("/api/model")).json();
    state.model = model;
    const accuracy = model.metrics.dev_accuracy;
    $("model").textContent = `${model.treebank} · ${model.tags.length} tags` +
      (accuracy ? ` · dev accuracy ${(100 * accuracy).toFixed(2)}%` : "");
  } catch (error) {
    $("model").textContent = "";
  }
}

$("tag-form").addEventListener("submit", tagText);
$("layer").addEventListener("change", draw);
$("head").addEventListener("change", draw);
describeModel();
