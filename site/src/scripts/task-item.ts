/** Builds the DOM for one task, in its view and edit states (text only: never innerHTML). */
import type { Task } from "../../../functions/tasks/task-schemas";
import { describeTaskDate } from "./task-dates";
import { TASK_DESCRIPTION_MAX, TASK_TITLE_MAX } from "./tasks-api";

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]> = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

function hiddenText(text: string): HTMLSpanElement {
  return element("span", { className: "visually-hidden", textContent: text });
}

export function renderTaskView(task: Task): HTMLDivElement {
  const toggleId = `done-${task.id}`;
  const toggle = element("input", {
    type: "checkbox",
    id: toggleId,
    className: "task-toggle",
    checked: task.completed,
  });
  toggle.dataset.action = "toggle";
  const title = element("label", { className: "task-title", htmlFor: toggleId }, [task.title]);
  const body = element("div", { className: "task-body" }, [title]);
  if (task.description) {
    body.append(element("p", { className: "task-description", textContent: task.description }));
  }
  const edit = element("button", { type: "button", className: "task-action" }, [
    "Edit",
    hiddenText(` “${task.title}”`),
  ]);
  edit.dataset.action = "edit";
  const remove = element("button", { type: "button", className: "task-action danger-quiet" }, [
    "Delete",
    hiddenText(` “${task.title}”`),
  ]);
  remove.dataset.action = "delete";
  const actions = element("div", { className: "task-actions" }, [edit, remove]);
  const added = element("time", { className: "task-date", dateTime: task.createdAt });
  showTaskDate(added, new Date());
  return element("div", { className: "task-view" }, [toggle, body, added, actions]);
}

/** Writes a row's date in relative words, with the full date as its tooltip. */
export function showTaskDate(time: HTMLTimeElement, now: Date): string {
  const { label, full } = describeTaskDate(new Date(time.dateTime), now);
  time.textContent = label;
  time.title = `Added ${full}`;
  return label;
}

export function renderTaskItem(task: Task): HTMLLIElement {
  const item = element("li", { className: task.completed ? "task done" : "task" });
  item.dataset.id = task.id;
  item.append(renderTaskView(task));
  return item;
}

function editField(
  id: string,
  label: string,
  input: HTMLInputElement | HTMLTextAreaElement,
): HTMLDivElement {
  input.id = id;
  input.setAttribute("aria-describedby", `${id}-error`);
  const error = element("span", { className: "field-error", id: `${id}-error` });
  error.setAttribute("aria-live", "polite");
  return element("div", { className: "field" }, [
    element("label", { htmlFor: id, textContent: label }),
    input,
    error,
  ]);
}

export function renderTaskEditForm(task: Task): HTMLFormElement {
  const title = element("input", {
    type: "text",
    name: "title",
    value: task.title,
    maxLength: TASK_TITLE_MAX,
  });
  title.setAttribute("aria-required", "true");
  const description = element("textarea", {
    name: "description",
    value: task.description ?? "",
    maxLength: TASK_DESCRIPTION_MAX,
    rows: 3,
  });
  const formError = element("p", { className: "form-error" });
  formError.setAttribute("role", "alert");
  formError.dataset.role = "form-error";
  const save = element("button", { type: "submit", textContent: "Save" });
  const cancel = element("button", {
    type: "button",
    className: "secondary",
    textContent: "Cancel",
  });
  cancel.dataset.action = "cancel-edit";
  const form = element("form", { className: "task-edit", noValidate: true }, [
    formError,
    editField(`edit-title-${task.id}`, "Title", title),
    editField(`edit-description-${task.id}`, "Description (optional)", description),
    element("div", { className: "actions" }, [save, cancel]),
  ]);
  form.setAttribute("aria-label", `Edit “${task.title}”`);
  return form;
}
