/** The tasks page: list with filter and "load more", create, inline edit, toggle, delete + undo. */
import type { Task } from "../../../functions/tasks/task-schemas";
import { createAccessTokenSource, readTokenClaims } from "./access-token";
import { ApiError, fieldErrorsFrom } from "./api-error";
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
import { leaveTo, signInUrl } from "./navigation";
import { PendingDeletes } from "./pending-deletes";
import { renderTaskEditForm, renderTaskItem, renderTaskView } from "./task-item";
import { createTasksApi, TASK_DESCRIPTION_MAX, TASK_TITLE_MAX, type TaskFilter } from "./tasks-api";
import { checkTaskDescription, checkTaskTitle } from "./validation";

const DRAFT_KEY = "tasks:new-task-draft";

const tokens = createAccessTokenSource();
const api = createTasksApi({ tokens });

const signedInAs = requireElement(document, "#signed-in-as", HTMLElement);
const newTaskForm = requireElement(document, "#new-task", HTMLFormElement);
const newTitle = control(newTaskForm, "title");
const newDescription = control(newTaskForm, "description");
const newTaskSubmit = requireElement(newTaskForm, 'button[type="submit"]', HTMLButtonElement);
const newTaskError = requireElement(newTaskForm, "#form-error", HTMLElement);
const listHeading = requireElement(document, "#list-heading", HTMLElement);
const listError = requireElement(document, "#list-error", HTMLElement);
const listState = requireElement(document, "#list-state", HTMLElement);
const list = requireElement(document, "#task-list", HTMLUListElement);
const loadMoreButton = requireElement(document, "#load-more", HTMLButtonElement);
const toast = requireElement(document, "#toast", HTMLElement);
const toastText = requireElement(document, "#toast-text", HTMLElement);
const toastUndo = requireElement(document, "#toast-undo", HTMLButtonElement);
const announcer = requireElement(document, "#announcer", HTMLElement);

interface ListState {
  filter: TaskFilter;
  tasks: Task[];
  nextCursor: string | null;
  /** Bumped on every reload so answers to superseded requests are ignored. */
  generation: number;
  status: "loading" | "ready" | "error";
}

const state: ListState = {
  filter: "all",
  tasks: [],
  nextCursor: null,
  generation: 0,
  status: "loading",
};

function announce(message: string): void {
  announcer.textContent = "";
  // A fresh text node after clearing makes screen readers repeat identical messages too.
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

/** Session gone for good: keep the draft (it is in sessionStorage) and go sign in again. */
function handleFatal(error: unknown): boolean {
  if (error instanceof ApiError && error.kind === "session-ended") {
    leaveTo(signInUrl("session-ended"));
    return true;
  }
  return false;
}

function messageFor(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong. Try again.";
}

function matchesFilter(task: Task, filter: TaskFilter = state.filter): boolean {
  return filter === "all" || (filter === "done") === task.completed;
}

const EMPTY_MESSAGES: Record<TaskFilter, [string, string]> = {
  all: ["No tasks yet.", "Add your first one above: it only needs a title."],
  active: ["Nothing left to do.", "Every task is done. Enjoy the moment, or add a new one."],
  done: ["Nothing done yet.", "Tick a task's checkbox when you finish it and it shows up here."],
};

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
    listState.append(heading, "Check your connection, then ", retry);
  } else if (state.status === "ready" && state.tasks.length === 0) {
    const [heading, detail] = EMPTY_MESSAGES[state.filter];
    const strong = document.createElement("strong");
    strong.textContent = heading;
    listState.append(strong, detail);
  }
  loadMoreButton.hidden = state.nextCursor === null || state.tasks.length === 0;
}

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
    const fresh = page.items.filter((task) => !known.has(task.id) && task.id !== pendingId());
    state.tasks.push(...fresh);
    list.append(...fresh.map(renderTaskItem));
    state.nextCursor = page.nextCursor;
    state.status = "ready";
    if (cursor) announce(`${fresh.length} more task${fresh.length === 1 ? "" : "s"} loaded.`);
  } catch (error) {
    if (generation !== state.generation || handleFatal(error)) return;
    state.status = "error";
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
      first.focus();
      return;
    }
  }
  setMessage(formError, messageFor(error));
}

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
    return;
  }
  setBusy(newTaskSubmit, true, "Adding…");
  try {
    const description = newDescription.value.trim();
    const task = await api.create({
      title: newTitle.value.trim(),
      description: description || null,
    });
    newTaskForm.reset();
    saveDraft();
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
    if (!handleFatal(error)) {
      showServerFieldErrors(error, { title: newTitle, description: newDescription }, newTaskError);
    }
  } finally {
    setBusy(newTaskSubmit, false, "Adding…");
  }
});

// ---- Toggling ----------------------------------------------------------------------------

async function toggle(item: HTMLLIElement, checkbox: HTMLInputElement): Promise<void> {
  const task = taskFor(item.dataset.id ?? "");
  if (!task) return;
  const completed = checkbox.checked;
  checkbox.disabled = true;
  setMessage(listError, "");
  try {
    const updated = await api.update(task.id, { completed });
    replaceTask(updated);
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
  if (focusEdit) view.querySelector<HTMLElement>('[data-action="edit"]')?.focus();
}

function openEditor(item: HTMLLIElement): void {
  const task = taskFor(item.dataset.id ?? "");
  if (!task) return;
  const form = renderTaskEditForm(task);
  item.replaceChildren(form);
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

// ---- Deleting with undo ------------------------------------------------------------------

interface Removed {
  task: Task;
  item: HTMLLIElement;
  /** The task that followed it, to put it back in the same place on undo. */
  before: string | null;
}

function pendingId(): string | null {
  return deletes.pending?.task.id ?? null;
}

function hideToast(): void {
  toast.hidden = true;
  toastText.textContent = "";
}

const deletes = new PendingDeletes<Removed>({
  onPending(removed) {
    toastText.textContent = `Deleted “${removed.task.title}”.`;
    toastUndo.setAttribute("aria-label", `Undo deleting “${removed.task.title}”`);
    toast.hidden = false;
  },
  onSettled(removed, error) {
    if (!deletes.pending) hideToast();
    if (!error) return;
    if (handleFatal(error)) return;
    restore(removed);
    setMessage(listError, `Could not delete “${removed.task.title}”. ${messageFor(error)}`);
  },
});

function restore(removed: Removed): void {
  if (state.tasks.some((task) => task.id === removed.task.id)) return;
  const before = removed.before ? itemFor(removed.before) : null;
  list.insertBefore(removed.item, before);
  const index = removed.before
    ? state.tasks.findIndex((task) => task.id === removed.before)
    : state.tasks.length;
  state.tasks.splice(index === -1 ? state.tasks.length : index, 0, removed.task);
  renderListState();
}

function remove(item: HTMLLIElement): void {
  const task = taskFor(item.dataset.id ?? "");
  if (!task) return;
  const before = (item.nextElementSibling as HTMLLIElement | null)?.dataset.id ?? null;
  focusNeighbour(item);
  item.remove();
  state.tasks = state.tasks.filter((other) => other.id !== task.id);
  renderListState();
  deletes.schedule({
    item: { task, item, before },
    commit: ({ keepalive }) => api.remove(task.id, { keepalive }),
  });
  announce(`Deleted “${task.title}”. Undo is available for a few seconds.`);
}

toastUndo.addEventListener("click", () => {
  const removed = deletes.undo();
  hideToast();
  deletes.pause(false);
  if (!removed) return;
  restore(removed);
  removed.item.querySelector<HTMLElement>(".task-toggle")?.focus();
  announce(`Restored “${removed.task.title}”.`);
});
toast.addEventListener("mouseenter", () => deletes.pause(true));
toast.addEventListener("mouseleave", () => deletes.pause(false));
toast.addEventListener("focusin", () => deletes.pause(true));
toast.addEventListener("focusout", () => deletes.pause(false));
window.addEventListener("pagehide", () => deletes.flush(true));

// ---- List events -------------------------------------------------------------------------

list.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.dataset.action === "toggle") {
    const item = target.closest("li");
    if (item) void toggle(item, target);
  }
});

list.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button") : null;
  const item = button?.closest("li");
  if (!button || !item) return;
  if (button.dataset.action === "edit") openEditor(item);
  else if (button.dataset.action === "delete") remove(item);
});

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="filter"]')) {
  radio.addEventListener("change", () => {
    if (!radio.checked) return;
    state.filter = radio.value === "active" || radio.value === "done" ? radio.value : "all";
    deletes.flush(false);
    void reload();
  });
}

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

// The browser may restore the last chosen filter when the page is reloaded.
const restoredFilter = document.querySelector<HTMLInputElement>('input[name="filter"]:checked');
if (restoredFilter?.value === "active" || restoredFilter?.value === "done") {
  state.filter = restoredFilter.value;
}
restoreDraft();
tokens
  .get()
  .then((token) => {
    const email = readTokenClaims(token)?.email;
    if (typeof email === "string") signedInAs.textContent = `Signed in as ${email}`;
  })
  .catch(() => {
    // loadPage reports the same failure.
  });
void reload();
