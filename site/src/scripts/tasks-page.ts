/**
 * The tasks page: quick-add, the list with its filter (in the address) and counts, "load more",
 * inline edit, toggle, and delete with an undo for each delete.
 */
import type { Task } from "../../../functions/tasks/task-schemas";
import { createAccessTokenSource, readTokenClaims } from "./access-token";
import { ApiError, fieldErrorsFrom } from "./api-error";
import { createButtonCooldown } from "./button-cooldown";
import {
  type Control,
  control,
  requireElement,
  setBusy,
  setMessage,
  showFieldError,
  validateAll,
  validateAsYouGo,
} from "./form-fields";
import { leaveTo, missingSessionReason, rememberSignedIn, signInUrlFor } from "./navigation";
import { PendingDeletes } from "./pending-deletes";
import {
  adjustCounts,
  type Count,
  countsOf,
  countTasks,
  formatCount,
  type TaskCounts,
  totalOf,
} from "./task-counts";
import { filterFromRadio, filterRadioValue, readTaskFilter, taskFilterUrl } from "./task-filter";
import { renderTaskEditForm, renderTaskItem, renderTaskView, showTaskDate } from "./task-item";
import { createTasksApi, TASK_DESCRIPTION_MAX, TASK_TITLE_MAX, type TaskFilter } from "./tasks-api";
import { createUndoToast } from "./undo-toast";
import { rememberUnfinishedDeletes, takeUnfinishedDeletes } from "./unfinished-deletes";
import { checkTaskDescription, checkTaskTitle } from "./validation";

const DRAFT_KEY = "tasks:new-task-draft";
/**
 * A row deleted with the pointer lets the next row slide under it: a second click this soon, at
 * the same spot, belongs to the same gesture and must not delete that next row.
 */
const DELETE_GUARD_MS = 600;
const DELETE_GUARD_DISTANCE_PX = 24;

const tokens = createAccessTokenSource();
const api = createTasksApi({ tokens });

const signedInAs = requireElement(document, "#signed-in-as", HTMLElement);
const newTaskForm = requireElement(document, "#new-task", HTMLFormElement);
const newTitle = control(newTaskForm, "title");
const newDescription = control(newTaskForm, "description");
const descriptionField = requireElement(newTaskForm, "#description-field", HTMLElement);
const descriptionToggle = requireElement(newTaskForm, "#toggle-description", HTMLButtonElement);
const newTaskSubmit = requireElement(newTaskForm, 'button[type="submit"]', HTMLButtonElement);
const newTaskError = requireElement(newTaskForm, "#form-error", HTMLElement);
const listHeading = requireElement(document, "#list-heading", HTMLElement);
const listError = requireElement(document, "#list-error", HTMLElement);
const listState = requireElement(document, "#list-state", HTMLElement);
const list = requireElement(document, "#task-list", HTMLUListElement);
const loadMoreButton = requireElement(document, "#load-more", HTMLButtonElement);
const toast = requireElement(document, "#toast", HTMLElement);
const announcer = requireElement(document, "#announcer", HTMLElement);
const filterRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="filter"]')];

interface ListState {
  filter: TaskFilter;
  tasks: Task[];
  nextCursor: string | null;
  /** Bumped on every reload so answers to superseded requests are ignored. */
  generation: number;
  status: "loading" | "ready" | "error";
  counts: TaskCounts | null;
}

const state: ListState = {
  filter: readTaskFilter(window.location.search),
  tasks: [],
  nextCursor: null,
  generation: 0,
  status: "loading",
  counts: null,
};

function announce(message: string): void {
  announcer.textContent = "";
  // A fresh text node after clearing makes screen readers repeat identical messages too.
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

/**
 * Session gone for good: keep the draft (it is in sessionStorage) and go sign in, coming back to
 * this very page (filter included) afterwards.
 */
let leaving = false;

function handleFatal(error: unknown): boolean {
  if (!(error instanceof ApiError && error.kind === "session-ended")) return false;
  // Several requests can fail at once; the first decides the words and the way out.
  if (leaving) return true;
  leaving = true;
  const here = `${window.location.pathname}${window.location.search}`;
  leaveTo(signInUrlFor(missingSessionReason(), here));
  return true;
}

function messageFor(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong. Try again.";
}

/** A success clears what earlier failures left on screen, so error boxes never pile up. */
function clearErrors(): void {
  setMessage(listError, "");
  if (!cooldown.active) setMessage(newTaskError, "");
}

function matchesFilter(task: Task, filter: TaskFilter = state.filter): boolean {
  return filter === "all" || (filter === "done") === task.completed;
}

const EMPTY_MESSAGES: Record<TaskFilter, [string, string]> = {
  all: ["No tasks yet.", "Add your first one above: it only needs a title."],
  active: ["Nothing left to do.", "Every task is done. Enjoy the moment, or add a new one."],
  done: ["Nothing done yet.", "Tick a task's checkbox when you finish it and it shows up here."],
};

/** Network trouble and server trouble call for different things from the user. */
function loadFailureText(error: unknown): string {
  if (error instanceof ApiError && error.kind === "network") {
    return "The server could not be reached. Check your connection, then ";
  }
  return "The service is having trouble right now. Nothing was lost: wait a moment, then ";
}

let lastLoadError: unknown = null;

function renderListState(): void {
  list.setAttribute("aria-busy", String(state.status === "loading"));
  listState.replaceChildren();
  if (state.status === "loading" && state.tasks.length === 0) {
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    spinner.setAttribute("aria-hidden", "true");
    listState.append(spinner, "Loading your tasks…");
  } else if (state.status === "error" && state.tasks.length === 0) {
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "secondary";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => void reload());
    const heading = document.createElement("strong");
    heading.textContent = "Your tasks could not be loaded.";
    listState.append(heading, loadFailureText(lastLoadError), retry);
  } else if (state.status === "ready" && state.tasks.length === 0) {
    const [heading, detail] = EMPTY_MESSAGES[state.filter];
    const strong = document.createElement("strong");
    strong.textContent = heading;
    listState.append(strong, detail);
  }
  loadMoreButton.hidden = state.nextCursor === null || state.tasks.length === 0;
  renderDates();
}

// ---- Dates and counts --------------------------------------------------------------------

/** Relative dates, shown only where they change from the row above (no wall of "just now"). */
function renderDates(): void {
  const now = new Date();
  let previous: string | null = null;
  for (const time of list.querySelectorAll<HTMLTimeElement>(".task-view time.task-date")) {
    const label = showTaskDate(time, now);
    time.classList.toggle("same-as-above", label === previous);
    previous = label;
  }
}
window.setInterval(renderDates, 30_000);

function renderCounts(): void {
  const counts = state.counts;
  const shown: Record<string, Count | null> = {
    all: counts && totalOf(counts),
    open: counts?.open ?? null,
    done: counts?.done ?? null,
  };
  for (const element of document.querySelectorAll<HTMLElement>("[data-count]")) {
    const count = shown[element.dataset.count ?? ""];
    element.textContent = count ? formatCount(count) : "";
  }
}

function changeCounts(task: Task, change: 1 | -1): void {
  if (state.counts) adjustCounts(state.counts, task.completed, change);
  renderCounts();
}

/** Counts from the list when it holds everything, otherwise from the API (in the background). */
async function loadCounts(generation: number): Promise<void> {
  if (state.filter === "all" && state.nextCursor === null) {
    state.counts = countsOf(state.tasks);
    renderCounts();
    return;
  }
  const skip = new Set(deletes.keys);
  try {
    const [open, done] = await Promise.all([
      countTasks(api, "active", skip),
      countTasks(api, "done", skip),
    ]);
    if (generation !== state.generation) return;
    state.counts = { open, done };
  } catch {
    // The counts are a nicety: the list reports failures that matter.
    if (generation === state.generation) state.counts = null;
  }
  renderCounts();
}

// ---- Loading -----------------------------------------------------------------------------

function itemFor(id: string): HTMLLIElement | null {
  return list.querySelector<HTMLLIElement>(`li[data-id="${CSS.escape(id)}"]`);
}

function taskFor(id: string): Task | undefined {
  return state.tasks.find((task) => task.id === id);
}

function replaceTask(updated: Task): void {
  state.tasks = state.tasks.map((task) => (task.id === updated.id ? updated : task));
}

/** Moves focus to a sensible neighbour before an item leaves the list. */
function focusNeighbour(item: HTMLLIElement): void {
  const neighbour = (item.nextElementSibling ?? item.previousElementSibling) as HTMLElement | null;
  const target = neighbour?.querySelector<HTMLElement>(".task-toggle") ?? listHeading;
  target.focus();
}

async function loadPage(cursor: string | null): Promise<void> {
  const generation = state.generation;
  const filter = state.filter;
  state.status = "loading";
  setMessage(listError, "");
  renderListState();
  try {
    const page = await api.list(filter, cursor);
    if (generation !== state.generation) return;
    const known = new Set(state.tasks.map((task) => task.id));
    const fresh = page.items.filter((task) => !known.has(task.id) && !deletes.has(task.id));
    state.tasks.push(...fresh);
    list.append(...fresh.map(renderTaskItem));
    state.nextCursor = page.nextCursor;
    state.status = "ready";
    if (cursor) announce(`${fresh.length} more task${fresh.length === 1 ? "" : "s"} loaded.`);
    else void loadCounts(generation);
  } catch (error) {
    if (generation !== state.generation || handleFatal(error)) return;
    state.status = "error";
    lastLoadError = error;
    if (state.tasks.length > 0) setMessage(listError, messageFor(error));
  }
  renderListState();
}

function reload(): Promise<void> {
  state.generation += 1;
  state.tasks = [];
  state.nextCursor = null;
  list.replaceChildren();
  return loadPage(null);
}

// ---- The filter, kept in the address -----------------------------------------------------

function showFilter(filter: TaskFilter): void {
  for (const radio of filterRadios) radio.checked = radio.value === filterRadioValue(filter);
}

for (const radio of filterRadios) {
  radio.addEventListener("change", () => {
    if (!radio.checked) return;
    state.filter = filterFromRadio(radio.value);
    window.history.pushState(null, "", taskFilterUrl(new URL(window.location.href), state.filter));
    void reload();
  });
}

window.addEventListener("popstate", () => {
  const filter = readTaskFilter(window.location.search);
  if (filter === state.filter) return;
  state.filter = filter;
  showFilter(filter);
  void reload();
});

// ---- Creating ----------------------------------------------------------------------------

function saveDraft(): void {
  try {
    const draft = { title: newTitle.value, description: newDescription.value };
    if (draft.title || draft.description) sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    else sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // Storage can be unavailable (private mode, quota); the form itself still keeps the text.
  }
}

function restoreDraft(): void {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? "null");
    if (typeof saved !== "object" || saved === null) return;
    if ("title" in saved && typeof saved.title === "string") newTitle.value = saved.title;
    if ("description" in saved && typeof saved.description === "string") {
      newDescription.value = saved.description;
    }
  } catch {
    // A damaged draft is not worth an error message.
  }
}

function showDescription(open: boolean): void {
  descriptionField.hidden = !open;
  descriptionToggle.setAttribute("aria-expanded", String(open));
}

descriptionToggle.addEventListener("click", () => {
  const open = descriptionField.hidden;
  showDescription(open);
  (open ? newDescription : newTitle).focus();
});

function showServerFieldErrors(
  error: unknown,
  fields: Record<string, Control>,
  formError: HTMLElement,
): void {
  if (error instanceof ApiError && error.kind === "invalid") {
    const problems = fieldErrorsFrom(error.details);
    let first: Control | null = null;
    for (const [name, message] of Object.entries(problems)) {
      const input = fields[name];
      if (!input) continue;
      // The API says "must not be empty"; the page names the field it is about.
      showFieldError(input, `${name.charAt(0).toUpperCase()}${name.slice(1)} ${message}.`);
      first ??= input;
    }
    if (first) {
      if (first === newDescription) showDescription(true);
      first.focus();
      return;
    }
  }
  setMessage(formError, messageFor(error));
}

const cooldown = createButtonCooldown(newTaskSubmit, {
  waiting: (secondsLeft) => `Wait ${secondsLeft} s`,
  onTick: (secondsLeft) =>
    setMessage(
      newTaskError,
      secondsLeft > 0
        ? `Too many requests in a short time. You can add again in ${secondsLeft} second${secondsLeft === 1 ? "" : "s"}; your text is kept.`
        : "",
    ),
});

const checkNewTitle = () => checkTaskTitle(newTitle.value, TASK_TITLE_MAX);
const checkNewDescription = () => checkTaskDescription(newDescription.value, TASK_DESCRIPTION_MAX);
validateAsYouGo(newTitle, checkNewTitle);
validateAsYouGo(newDescription, checkNewDescription);
newTitle.addEventListener("input", saveDraft);
newDescription.addEventListener("input", saveDraft);

newTaskForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (newTaskSubmit.disabled) return;
  setMessage(newTaskError, "");
  if (
    !validateAll([
      [newTitle, checkNewTitle],
      [newDescription, checkNewDescription],
    ])
  ) {
    if (newDescription.getAttribute("aria-invalid") === "true") showDescription(true);
    return;
  }
  setBusy(newTaskSubmit, true, "Adding…");
  let waitSeconds: number | null | undefined;
  try {
    const description = newDescription.value.trim();
    const task = await api.create({
      title: newTitle.value.trim(),
      description: description || null,
    });
    newTaskForm.reset();
    saveDraft();
    showDescription(false);
    clearErrors();
    changeCounts(task, 1);
    if (matchesFilter(task)) {
      state.tasks.unshift(task);
      list.prepend(renderTaskItem(task));
      if (state.status !== "loading") state.status = "ready";
      announce(`Added “${task.title}”.`);
    } else {
      announce(`Added “${task.title}”. It is not shown because the list shows done tasks only.`);
    }
    renderListState();
    newTitle.focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 429) waitSeconds = error.retryAfterSeconds;
    else if (!handleFatal(error)) {
      showServerFieldErrors(error, { title: newTitle, description: newDescription }, newTaskError);
    }
  } finally {
    setBusy(newTaskSubmit, false, "Adding…");
  }
  if (waitSeconds !== undefined) cooldown.start(waitSeconds);
});

// ---- Toggling ----------------------------------------------------------------------------

async function toggle(item: HTMLLIElement, checkbox: HTMLInputElement): Promise<void> {
  const task = taskFor(item.dataset.id ?? "");
  if (!task) return;
  const completed = checkbox.checked;
  checkbox.disabled = true;
  try {
    const updated = await api.update(task.id, { completed });
    clearErrors();
    replaceTask(updated);
    changeCounts(task, -1);
    changeCounts(updated, 1);
    item.classList.toggle("done", updated.completed);
    checkbox.checked = updated.completed;
    if (matchesFilter(updated)) {
      announce(
        updated.completed
          ? `Marked “${updated.title}” as done.`
          : `Marked “${updated.title}” as not done.`,
      );
    } else {
      focusNeighbour(item);
      item.remove();
      state.tasks = state.tasks.filter((other) => other.id !== updated.id);
      announce(
        `Marked “${updated.title}” as ${updated.completed ? "done" : "not done"}; it left this filtered list.`,
      );
      renderListState();
    }
  } catch (error) {
    checkbox.checked = !completed;
    if (!handleFatal(error))
      setMessage(listError, `Could not update “${task.title}”. ${messageFor(error)}`);
  } finally {
    checkbox.disabled = false;
    if (item.isConnected && document.activeElement === document.body) checkbox.focus();
  }
}

// ---- Editing -----------------------------------------------------------------------------

function closeEditor(item: HTMLLIElement, task: Task, focusEdit: boolean): void {
  const view = renderTaskView(task);
  item.replaceChildren(view);
  item.classList.toggle("done", task.completed);
  renderDates();
  if (focusEdit) view.querySelector<HTMLElement>('[data-action="edit"]')?.focus();
}

function openEditor(item: HTMLLIElement): void {
  const task = taskFor(item.dataset.id ?? "");
  if (!task) return;
  const form = renderTaskEditForm(task);
  item.replaceChildren(form);
  renderDates();
  const title = control(form, "title");
  const description = control(form, "description");
  const formError = requireElement(form, '[data-role="form-error"]', HTMLElement);
  const save = requireElement(form, 'button[type="submit"]', HTMLButtonElement);
  const checkTitle = () => checkTaskTitle(title.value, TASK_TITLE_MAX);
  const checkDescription = () => checkTaskDescription(description.value, TASK_DESCRIPTION_MAX);
  validateAsYouGo(title, checkTitle);
  validateAsYouGo(description, checkDescription);

  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeEditor(item, taskFor(task.id) ?? task, true);
    }
  });
  form.addEventListener("click", (event) => {
    if (event.target instanceof HTMLElement && event.target.dataset.action === "cancel-edit") {
      closeEditor(item, taskFor(task.id) ?? task, true);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (save.disabled) return;
    setMessage(formError, "");
    if (
      !validateAll([
        [title, checkTitle],
        [description, checkDescription],
      ])
    ) {
      return;
    }
    const current = taskFor(task.id) ?? task;
    const changes: { title?: string; description?: string | null } = {};
    const newTitleValue = title.value.trim();
    const newDescriptionValue = description.value.trim() || null;
    if (newTitleValue !== current.title) changes.title = newTitleValue;
    if (newDescriptionValue !== current.description) changes.description = newDescriptionValue;
    if (Object.keys(changes).length === 0) {
      closeEditor(item, current, true);
      return;
    }
    setBusy(save, true, "Saving…");
    try {
      const updated = await api.update(task.id, changes);
      clearErrors();
      replaceTask(updated);
      closeEditor(item, updated, true);
      announce(`Saved “${updated.title}”.`);
    } catch (error) {
      setBusy(save, false, "Saving…");
      if (!handleFatal(error)) {
        showServerFieldErrors(error, { title, description }, formError);
      }
    }
  });
  title.focus();
  title.select();
}

// ---- Deleting, each delete with its own undo ---------------------------------------------

interface Removed {
  task: Task;
  item: HTMLLIElement;
}

const undoToast = createUndoToast(toast, (key) => undoDelete(key));

const deletes = new PendingDeletes<Removed>({
  onPending(key, removed) {
    undoToast.add(key, removed.task.title);
  },
  onSent(key) {
    undoToast.remove(key);
  },
  onSettled(_key, removed, error) {
    if (!error) {
      clearErrors();
      return;
    }
    if (handleFatal(error)) return;
    restore(removed);
    setMessage(listError, `Could not delete “${removed.task.title}”. ${messageFor(error)}`);
  },
});

/** Puts a task back where it belongs in the newest-first list, whatever else was deleted. */
function restore(removed: Removed): void {
  changeCounts(removed.task, 1);
  if (!matchesFilter(removed.task) || taskFor(removed.task.id)) return;
  const index = state.tasks.findIndex((task) => task.createdAt < removed.task.createdAt);
  const at = index === -1 ? state.tasks.length : index;
  // A task older than every loaded one belongs to a page not loaded yet.
  if (index === -1 && state.nextCursor !== null) return;
  const before = state.tasks[at];
  list.insertBefore(removed.item, before ? itemFor(before.id) : null);
  state.tasks.splice(at, 0, removed.task);
  renderListState();
}

function remove(item: HTMLLIElement): void {
  const task = taskFor(item.dataset.id ?? "");
  if (!task) return;
  focusNeighbour(item);
  item.remove();
  state.tasks = state.tasks.filter((other) => other.id !== task.id);
  changeCounts(task, -1);
  renderListState();
  deletes.schedule({
    key: task.id,
    item: { task, item },
    commit: ({ keepalive }) => api.remove(task.id, { keepalive }),
  });
  announce(`Deleted “${task.title}”. Undo is available for a few seconds.`);
}

function undoDelete(key: string): void {
  const removed = deletes.undo(key);
  undoToast.remove(key);
  if (!removed) return;
  restore(removed);
  if (removed.item.isConnected) removed.item.querySelector<HTMLElement>(".task-toggle")?.focus();
  announce(`Restored “${removed.task.title}”.`);
}

toast.addEventListener("mouseenter", () => deletes.pause(true));
toast.addEventListener("mouseleave", () => deletes.pause(false));
toast.addEventListener("focusin", () => deletes.pause(true));
toast.addEventListener("focusout", () => deletes.pause(false));
window.addEventListener("pagehide", () => {
  rememberUnfinishedDeletes(deletes.keys);
  deletes.flush(true);
});

// ---- List events -------------------------------------------------------------------------

list.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.dataset.action === "toggle") {
    const item = target.closest("li");
    if (item) void toggle(item, target);
  }
});

let lastPointerDelete: { at: number; x: number; y: number } | null = null;

/** The second click of a double-click, or a click at the spot a row just left, deletes nothing. */
function isSecondClickOfOneGesture(event: MouseEvent): boolean {
  if (event.detail === 0) return false; // keyboard: every press is meant
  if (event.detail > 1) return true;
  const previous = lastPointerDelete;
  lastPointerDelete = { at: event.timeStamp, x: event.clientX, y: event.clientY };
  return (
    previous !== null &&
    event.timeStamp - previous.at < DELETE_GUARD_MS &&
    Math.hypot(event.clientX - previous.x, event.clientY - previous.y) < DELETE_GUARD_DISTANCE_PX
  );
}

list.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button") : null;
  const item = button?.closest("li");
  if (!button || !item) return;
  if (button.dataset.action === "edit") openEditor(item);
  else if (button.dataset.action === "delete" && !isSecondClickOfOneGesture(event)) remove(item);
});

loadMoreButton.addEventListener("click", async () => {
  if (!state.nextCursor) return;
  setBusy(loadMoreButton, true, "Loading…");
  const firstNew = state.tasks.length;
  await loadPage(state.nextCursor);
  setBusy(loadMoreButton, false, "Loading…");
  const item = list.children.item(firstNew);
  if (item instanceof HTMLElement) item.querySelector<HTMLElement>(".task-toggle")?.focus();
  else if (!loadMoreButton.hidden) loadMoreButton.focus();
});

// ---- Start -------------------------------------------------------------------------------

showFilter(state.filter);
restoreDraft();
if (newDescription.value) showDescription(true);
newTitle.focus();
tokens
  .get()
  .then((token) => {
    rememberSignedIn();
    const email = readTokenClaims(token)?.email;
    if (typeof email === "string") signedInAs.textContent = `Signed in as ${email}`;
  })
  .catch(() => {
    // loadPage reports the same failure.
  });
// Deletes the last page sent while unloading are finished before the list is read.
void Promise.allSettled(takeUnfinishedDeletes().map((id) => api.remove(id))).then(() => reload());
