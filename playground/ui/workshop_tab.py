"""The Workshop tab: a facilitator runs a question through the lanes, the room votes on anonymised answers.

Two modes in one tab. "Facilitate" opens a room (a short code, a join link at an address participants
can reach and its QR code: playground/workshop/join_link.py), runs each round through the lanes and
models the facilitator picks for it (ui/workshop_lanes.py), reveals which lane wrote which answer and
puts the votes next to each lane's tokens, cost and latency, keeps a Bradley-Terry leaderboard across
the revealed rounds (playground/workshop/leaderboard.py) and exports the whole session (JSON and a
Markdown brief) besides the votes CSV and a brief. "Join" (opened by the link's `?room=` or a typed
code) shows the round's answers as A, B, C…, takes one vote per visitor (an answer, "tie" or "all
bad"; with PLAYGROUND_WORKSHOP_LOGIN=hf, one per Hugging Face account) and follows the room by polling. Host
and voters are visitors' signed ids (playground/identity.py), so a facilitator's or participant's
reload lands back in their room with their vote. When the question is an item of the scenario's evaluation
set, the reveal also shows the facilitator the reference answer and each lane's right / partly / wrong
mark (not before: the room votes on the answers alone). Rooms live in memory (playground/workshop/rooms.py),
one registry per app. Answers are model output: they are escaped before they are shown, never
rendered as markup.
"""

from __future__ import annotations

import html
import importlib.util
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import gradio as gr
import pandas as pd
from gradio.events import Dependency

from playground.config import SettingError
from playground.costs.hardware import get_hardware
from playground.errors import PlaygroundError
from playground.evaluation.reference import find_reference
from playground.lanes import get_lane, lane_names, run_lanes
from playground.records import Answer
from playground.services import Services
from playground.ui.example_picker import example_choices, example_picker
from playground.ui.reference_view import scores_html
from playground.ui.session import export, holds_workspace, session_id, session_services, session_workspace
from playground.ui.workshop_lanes import build_lane_picker, round_jobs
from playground.workshop.export import VOTE_COLUMNS, vote_rows, votes_csv, workshop_brief
from playground.workshop.join_link import JoinAddress, join_address, qr_svg
from playground.workshop.leaderboard import ALL_BAD, TIE, Leaderboard
from playground.workshop.rooms import (
    Choice,
    Rooms,
    RoomView,
    RoundView,
    WorkshopError,
    normalize_code,
    voter_account,
)
from playground.workshop.session_export import session_board, session_json, session_markdown, session_record

POLL_S = 2.0
TALLY_COLUMNS = [c for c in VOTE_COLUMNS if c not in ("round", "question")]
WAITING = "Waiting for the facilitator's question…"
VOTE_NAMES = {TIE: "tie", ALL_BAD: "all bad"}
SPECIAL_CHOICES = [("Tie: all as good", TIE), ("All bad", ALL_BAD)]
BOARD_COLUMNS = ["rank", "lane · model", "rating", "95% interval", "votes for", "ties", "all bad", "votes cast"]
BOARD_NOTE = (
    "**Leaderboard** over the revealed rounds: a Bradley-Terry rating (Elo scale, 1000 is average; 400 points "
    "are 10:1 odds) with its 95% interval (bootstrap over the votes). A vote for one answer counts as a win "
    "over each other answer of its round; **a tie counts as half a win each way**; **all bad** is counted and "
    "shown but compares nothing. Overlapping intervals: the room has not told those two apart yet."
)


def vote_name(vote: str | None) -> str:
    """A vote as the page says it: a label (A, B…), "tie" or "all bad"."""
    return VOTE_NAMES.get(vote or "", vote or "")


def _with_model(entrant: str | None, lane: str) -> str:
    model = _model_part(entrant, lane)
    return f" · {model}" if model else ""


def _model_part(entrant: str | None, lane: str) -> str:
    """The model of "lane · model", or "" when the entrant is the lane alone."""
    prefix = f"{lane} · "
    return entrant[len(prefix) :] if entrant and entrant.startswith(prefix) else ""


def _lane_title(lane: str) -> str:
    return get_lane(lane).title if lane in lane_names() else lane


def _choice_html(choice: Choice, revealed: bool, mine: bool) -> str:
    label = html.escape(choice.label)
    attrs = f'data-label="{label}" data-done="{str(choice.done).lower()}"'
    title = f"Answer {label}"
    if revealed and choice.lane is not None:
        votes = choice.votes or 0
        model = _model_part(choice.entrant, choice.lane)
        attrs += f' data-lane="{html.escape(choice.lane)}" data-votes="{votes}" data-model="{html.escape(model)}"'
        title += f" · {html.escape(_lane_title(choice.lane))}"
        title += f" · {html.escape(model)}" if model else ""
        title += f" · {votes} vote{'' if votes == 1 else 's'}"
    if mine:
        title += " · your vote"
    text = html.escape(choice.text) if choice.text else ("…" if not choice.done else "(empty answer)")
    border = "#2563eb" if mine else "#d4d4d8"
    return (
        f'<div class="workshop-choice" {attrs} style="border:1px solid {border};border-radius:8px;'
        f'padding:0.5rem 0.75rem;margin:0.4rem 0">'
        f'<div class="workshop-choice-title" style="font-weight:600">{title}</div>'
        f'<div class="workshop-answer-text" style="white-space:pre-wrap">{text}</div></div>'
    )


def round_html(view: RoundView | None, waiting: str = WAITING) -> str:
    """The round's answers as cards, A, B, C…; lanes and votes only once revealed. All text is escaped."""
    if view is None:
        return f'<div class="workshop-empty">{html.escape(waiting)}</div>'
    state = "revealed" if view.revealed else ("answering" if view.answering else "voting")
    cards = "".join(_choice_html(c, view.revealed, c.label == view.my_vote) for c in view.choices)
    others = ""
    if view.revealed:
        others = (
            f'<div class="workshop-other-votes" data-ties="{view.ties or 0}" data-all-bad="{view.all_bad or 0}">'
            f"Tie: {view.ties or 0} · All bad: {view.all_bad or 0}</div>"
        )
    elif view.my_vote in VOTE_NAMES:
        others = f'<div class="workshop-other-votes">Your vote: {vote_name(view.my_vote)}</div>'
    return (
        f'<div class="workshop-round" data-round="{view.number}" data-state="{state}">'
        f'<div class="workshop-question"><b>Round {view.number}:</b> {html.escape(view.question)}</div>'
        f"{cards}{others}</div>"
    )


def _participant_status(room: RoomView) -> str:
    head = f"Joined room **{room.code}**."
    current = room.current
    if current is None:
        return f"{head} {WAITING}"
    if current.revealed:
        most = max((c.votes or 0) for c in current.choices)
        leaders = ", ".join(f"**{c.label}** ({_lane_title(c.lane or '')})" for c in current.choices if c.votes == most)
        lead = f" Most votes: {leaders}." if most else ""
        mine = f" You voted **{vote_name(current.my_vote)}**." if current.my_vote else ""
        return f"{head} Round {current.number} is revealed.{lead}{mine}"
    if current.answering:
        return f"{head} Round {current.number}: the lanes are answering…"
    if current.my_vote:
        return f"{head} Round {current.number}: you voted **{vote_name(current.my_vote)}** (vote again to change it)."
    return f"{head} Round {current.number}: choose the best answer and vote."


def _facilitator_status(room: RoomView) -> str:
    people = f"**{room.participants}** joined"  # next to the votes: more votes or joins than people shows stuffing
    current = room.current
    if current is None:
        return f"Room **{room.code}**: {people}. Run a question to start the first round."
    if current.revealed:
        others = f"{current.ties or 0} tie, {current.all_bad or 0} all bad"
        return (
            f"Room **{room.code}**: {people}. Round {current.number} revealed: {current.votes_cast} vote(s) ({others})."
        )
    if current.answering:
        return f"Room **{room.code}**: {people}. Round {current.number}: the lanes are answering…"
    return (
        f"Room **{room.code}**: {people}. Round {current.number}: **{current.votes_cast}** vote(s) in "
        f"from {room.participants} joined (one per participant). Reveal when the room is ready."
    )


def _tally_frame(rooms: Rooms, code: str, number: int, host: str) -> pd.DataFrame:
    rows = [r for r in vote_rows(rooms.tallies(code, host)) if r["round"] == number]
    return pd.DataFrame([{c: r[c] for c in TALLY_COLUMNS} for r in rows], columns=TALLY_COLUMNS)


def board_frame(board: Leaderboard) -> pd.DataFrame:
    """The leaderboard as the facilitator's table, best first."""
    rows = [
        [s.rank, s.entrant, round(s.rating), f"{s.low:.0f}-{s.high:.0f}", s.wins, s.ties, s.all_bad, s.ballots]
        for s in board.standings
    ]
    return pd.DataFrame(rows, columns=BOARD_COLUMNS)


def board_html(board: Leaderboard) -> str:
    """The leaderboard as a small table for the participants (escaped; nothing before the first reveal)."""
    if not board.standings:
        return ""
    rows = "".join(
        f'<tr data-rank="{s.rank}"><td>{s.rank}</td><td>{html.escape(s.entrant)}</td><td>{s.rating:.0f}</td>'
        f"<td>{s.low:.0f}-{s.high:.0f}</td><td>{s.wins}</td></tr>"
        for s in board.standings
    )
    head = "<tr><th>rank</th><th>lane · model</th><th>rating</th><th>95% interval</th><th>votes for</th></tr>"
    return (
        f'<div class="workshop-board"><b>Leaderboard so far</b> ({board.votes} votes; a tie is half a win each way)'
        f"<table>{head}{rows}</table></div>"
    )


def qr_html(address: JoinAddress, link: str) -> str:
    """The join link's QR code and the line that says who can open it."""
    kind = html.escape(address.kind)
    return (
        f'<div class="workshop-join-qr" data-kind="{kind}" style="display:flex;gap:1rem;align-items:center">'
        f"{qr_svg(link)}<div>{html.escape(address.note)}</div></div>"
    )


def check_login_support(login: str) -> None:
    """PLAYGROUND_WORKSHOP_LOGIN=hf needs Gradio's OAuth extras: one clear line at start when they are missing."""
    missing = [name for name in ("authlib", "itsdangerous") if importlib.util.find_spec(name) is None]
    if login == "hf" and missing:
        raise SettingError(
            f"PLAYGROUND_WORKSHOP_LOGIN=hf needs gradio[oauth] ({', '.join(missing)} missing): "
            "add gradio[oauth] to the Space's requirements, or unset PLAYGROUND_WORKSHOP_LOGIN"
        )


def build_workshop_tab(
    services: Services,
    scenario_picker: gr.Dropdown,
    tab: gr.Tab | None = None,
    arrived: Dependency | None = None,
    rooms: Rooms | None = None,
) -> None:
    """Lay out the Workshop tab and wire its events (one room registry for this app unless `rooms` is given).

    `arrived` is the page's identification on load (ui/session.py): a reload reconnects after it.
    """
    login = services.settings.workshop_login
    check_login_support(login)
    rooms = (
        rooms
        if rooms is not None
        else Rooms(idle_s=services.settings.workspace_idle_s, per_host=services.limits.rooms_per_visitor)
    )

    def me(request: gr.Request) -> str:
        return session_id(services, request)

    root = gr.context.Context.root_block  # the app: where it listens, and its share link, once launched

    def reachable(url: str) -> JoinAddress:
        """The address participants can open (not loopback when another is reachable)."""
        return join_address(
            os.environ,
            getattr(root, "server_name", None),
            getattr(root, "server_port", None),
            getattr(root, "share_url", None),
            url,
        )

    scenarios = services.scenarios.all()
    first = scenarios[0] if scenarios else None
    page_url = gr.Textbox("", visible="hidden", label="Page address", elem_id="workshop-page-url")
    with gr.Tabs(elem_id="workshop-modes") as modes:
        with gr.Tab("Facilitate", id="facilitate"):
            gr.Markdown(
                "Open a room, share the code or link, then run a question: the room sees the answers as "
                "A, B, C… without the lanes' names, votes for the best one, and you reveal which lane wrote which."
            )
            with gr.Row():
                open_room = gr.Button("Open a new room", variant="primary", scale=1, elem_id="workshop-open")
                code_box = gr.Textbox(label="Join code", interactive=False, scale=1, elem_id="workshop-code")
                link_box = gr.Textbox(
                    label="Join link", interactive=False, buttons=["copy"], scale=3, elem_id="workshop-link"
                )
            join_qr = gr.HTML("", elem_id="workshop-qr")  # the link as a QR code, and who can open it
            facilitator_status = gr.Markdown("No room open yet.", elem_id="workshop-status")
            with gr.Row():
                question = gr.Textbox(label="Question for the room", lines=2, scale=4, elem_id="workshop-question")
                examples = example_picker(first, question, "workshop-examples")
            with gr.Accordion("Lanes and models for the next round", open=True):
                picker = build_lane_picker(services)
            with gr.Row():
                run_round = gr.Button("Run round", variant="primary", elem_id="workshop-run")
                reveal = gr.Button("Reveal the lanes", elem_id="workshop-reveal")
            answers = gr.HTML(round_html(None, "No round yet."), label="Answers", elem_id="workshop-answers")
            reference_panel = gr.HTML("", elem_id="workshop-reference")  # after the reveal, for an evaluation item
            tally = gr.Dataframe(
                pd.DataFrame(columns=TALLY_COLUMNS),
                label="Votes and measured figures (after the reveal)",
                interactive=False,
                visible=False,
                elem_id="workshop-tally",
            )
            with gr.Row():
                csv_download = gr.DownloadButton("Download votes (CSV)", visible=False, elem_id="workshop-csv")
                md_download = gr.DownloadButton(
                    "Download brief with votes (Markdown)", visible=False, elem_id="workshop-brief-md"
                )
                html_download = gr.DownloadButton(
                    "Download brief with votes (HTML)", visible=False, elem_id="workshop-brief-html"
                )
            gr.Markdown(BOARD_NOTE, elem_id="workshop-board-note")
            board_table = gr.Dataframe(
                pd.DataFrame(columns=BOARD_COLUMNS),
                label="Leaderboard (revealed rounds)",
                interactive=False,
                elem_id="workshop-leaderboard",
            )
            with gr.Row():
                session_json_download = gr.DownloadButton(
                    "Download the whole session (JSON)", visible=False, elem_id="workshop-session-json"
                )
                session_md_download = gr.DownloadButton(
                    "Download the whole session (Markdown brief)", visible=False, elem_id="workshop-session-md"
                )
        with gr.Tab("Join", id="join"), gr.Column(elem_id="workshop-join-panel"):
            with gr.Row():
                join_code = gr.Textbox(
                    label="Join code", placeholder="e.g. K7MQ2", max_lines=1, scale=2, elem_id="workshop-join-code"
                )
                join = gr.Button("Join", variant="primary", scale=1, elem_id="workshop-join")
                refresh = gr.Button("Refresh", scale=1, elem_id="workshop-refresh")
            join_status = gr.Markdown(
                "Type the code the facilitator shows, or open their link.", elem_id="workshop-join-status"
            )
            join_answers = gr.HTML(round_html(None), label="Answers", elem_id="workshop-join-answers")
            if login == "hf":
                gr.Markdown("Voting in this workshop needs a Hugging Face login: one vote per account.")
                gr.LoginButton(elem_id="workshop-login")
            choice = gr.Radio([], label="Best answer", interactive=False, elem_id="workshop-choice")
            vote = gr.Button("Vote", variant="primary", interactive=False, elem_id="workshop-vote")
            join_board = gr.HTML("", elem_id="workshop-join-board")  # the board, once a round is revealed

    room_code = gr.State("")  # the facilitator's room
    round_answers = gr.State(None)  # the last round's finished answers, scored at the reveal
    joined_code = gr.State("")  # the room this participant joined
    shown = gr.State(None)  # what the participant's radio shows: (round, answering, revealed)
    facilitator_timer = gr.Timer(POLL_S, active=False)
    participant_timer = gr.Timer(POLL_S, active=False)

    # The join link is the address the facilitator's browser shows (it is right behind a proxy or a Space).
    gr.on(None, None, None, page_url, js="() => window.location.origin + window.location.pathname")

    def open_new(request: gr.Request, url: str) -> list[object]:
        try:
            code = rooms.open(host=me(request))  # only this visitor runs rounds and reveals, after a reload too
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * len(facilitator_outputs)
        address = reachable(url)
        link = address.link(code)
        view = rooms.view(code)
        return [
            code,
            code,
            link,
            _facilitator_status(view),
            round_html(None, "No round yet."),
            gr.Timer(active=True),
            qr_html(address, link),
            board_frame(session_board([])),  # a new room starts a new board
        ]

    facilitator_outputs = [
        room_code,
        code_box,
        link_box,
        facilitator_status,
        answers,
        facilitator_timer,
        join_qr,
        board_table,
    ]
    open_room.click(open_new, page_url, facilitator_outputs)

    hidden_exports = [gr.update(visible=False)] * 3
    run_outputs = [answers, facilitator_status, tally, csv_download, md_download, html_download]
    round_outputs = [*run_outputs, round_answers, reference_panel]

    @holds_workspace(services)
    def run(
        request: gr.Request, code: str, scenario_name: str, question_text: str, chosen: object, *picked: object
    ) -> Iterator[list[object]]:
        try:
            context = services.lane_context(session_workspace(services, request))
            gateway = session_services(services, request).gateway  # remote models with the facilitator's keys
            if not code:
                raise WorkshopError("open a room first")
            rooms.view(code)
            text = services.limits.question(question_text)
            scenario = services.scenarios.get(scenario_name)
            models = dict(zip(picker.pickers, picked, strict=False))  # a script may send fewer values
            jobs, entrants = round_jobs(services, gateway, context.adapters, scenario, chosen, models)
            number = rooms.start_round(code, text, [job.key for job in jobs], host=me(request), entrants=entrants)
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            yield [gr.skip()] * len(round_outputs)
            return
        timeout = services.settings.lane_timeout_s
        for snapshot in run_lanes(gateway, text, scenario, jobs, context, min_interval_s=0.2, timeout_s=timeout):
            try:
                rooms.record_answers(code, number, snapshot, host=me(request))
                view = rooms.view(code)
            except PlaygroundError as exc:  # the room expired mid-round
                gr.Warning(exc.message)
                return
            finished = {"scenario": scenario.name, "question": text, "answers": snapshot}
            yield [
                round_html(view.current),
                _facilitator_status(view),
                gr.update(visible=False),
                *hidden_exports,
                finished,
                "",
            ]

    # One queue for both triggers, as wide as PLAYGROUND_CONCURRENCY (as Compare's ask).
    run_inputs = [room_code, scenario_picker, question, *picker.inputs]
    run_round.click(run, run_inputs, round_outputs, concurrency_id="workshop-run")
    question.submit(run, run_inputs, round_outputs, concurrency_id="workshop-run")

    def reference_scores(last: dict | None, revealed: RoundView) -> str:
        """The reference and each revealed answer's mark, when the round's question is an evaluation item."""
        if not last or last.get("question") != revealed.question:
            return ""
        try:
            reference = find_reference(services.scenarios.get(last["scenario"]), last["question"])
        except PlaygroundError:
            return ""
        answers: dict[str, Answer] = last["answers"]
        labelled = [
            (f"Answer {c.label} · {_lane_title(c.lane)}{_with_model(c.entrant, c.lane)}", answers[c.lane])
            for c in revealed.choices
            if c.lane is not None and c.lane in answers
        ]
        return scores_html(reference, labelled)

    def show(request: gr.Request, code: str, scenario_name: str, last: dict | None) -> list[object]:
        try:
            if not code:
                raise WorkshopError("open a room first")
            revealed = rooms.reveal(code, host=me(request))
            view = rooms.view(code)
            tallies = rooms.tallies(code, host=me(request))
            scenario = services.scenarios.get(scenario_name)
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * len(reveal_outputs)
        brief = workshop_brief(scenario.title, scenario.description, tallies, get_hardware())
        votes = rooms.round_votes(code, host=me(request))
        record = session_record(view.code, tallies, votes)
        exports = session_workspace(services, request).exports_dir
        stem = f"workshop-{view.code}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
        files = {
            f"{stem}-votes.csv": votes_csv(tallies),
            f"{stem}-brief.md": brief.to_markdown(),
            f"{stem}-brief.html": brief.to_html(),
            f"{stem}-session.json": session_json(record),
            f"{stem}-session.md": session_markdown(record),
        }
        return [
            round_html(revealed),
            _facilitator_status(view),
            gr.update(value=_tally_frame(rooms, code, revealed.number, me(request)), visible=True),
            *(gr.update(value=export(exports, name, text), visible=True) for name, text in files.items()),
            board_frame(session_board(votes)),
            reference_scores(last, revealed),
        ]

    reveal_outputs = [
        *run_outputs,
        session_json_download,
        session_md_download,
        board_table,
        reference_panel,  # last: what tests/hosting/test_workshop_reference.py reads
    ]
    reveal.click(show, [room_code, scenario_picker, round_answers], reveal_outputs)

    def facilitator_poll(code: str) -> object:
        try:
            return _facilitator_status(rooms.view(code))
        except PlaygroundError as exc:
            return f"⚠ {exc.message}"

    facilitator_timer.tick(facilitator_poll, room_code, facilitator_status, show_progress="hidden", queue=False)

    join_outputs = [joined_code, join_status, join_answers, choice, vote, shown, participant_timer, join_board]

    def render(view: RoomView, previous: tuple | None) -> list[object]:
        current = view.current
        key = None if current is None else (current.number, current.answering, current.revealed)
        radio: object = gr.skip()
        button: object = gr.skip()
        board: object = gr.skip()
        if key != previous:  # only a new round or state resets the radio (not a choice being made)
            board = ""  # while a round is open, no lane's name is on a participant's page, the board's neither
            try:
                if current is not None and current.revealed:
                    board = board_html(session_board(rooms.revealed_votes(view.code)))
            except PlaygroundError:  # the room expired a moment ago: the next poll says so
                board = gr.skip()
            labels = [*current.labels, *SPECIAL_CHOICES] if current is not None else []
            can_vote = current is not None and not current.answering and not current.revealed
            radio = gr.update(choices=labels, value=current.my_vote if current else None, interactive=can_vote)
            button = gr.update(interactive=can_vote)
        status = _participant_status(view)
        return [view.code, status, round_html(current), radio, button, key, gr.Timer(active=True), board]

    def enter(request: gr.Request, code: str) -> list[object]:
        try:
            view = rooms.join(code, me(request))
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * len(join_outputs)
        return render(view, None)

    join.click(enter, join_code, join_outputs)
    join_code.submit(enter, join_code, join_outputs)

    def poll(request: gr.Request, code: str, previous: tuple | None) -> list[object]:
        if not code:
            return [gr.skip()] * len(join_outputs)
        try:
            view = rooms.view(code, me(request))
        except PlaygroundError as exc:
            return ["", f"⚠ {exc.message}", gr.skip(), gr.skip(), gr.skip(), None, gr.Timer(active=False), gr.skip()]
        return render(view, tuple(previous) if previous else None)

    participant_timer.tick(poll, [joined_code, shown], join_outputs, show_progress="hidden", queue=False)
    refresh.click(poll, [joined_code, shown], join_outputs)

    def cast(request: gr.Request, code: str, label: str | None, profile: gr.OAuthProfile | None) -> list[object]:
        try:
            if not code:
                raise WorkshopError("join a room first")
            if not label:
                raise WorkshopError("choose an answer first")
            account = voter_account(login, profile.username if profile is not None else None)
            rooms.vote(code, me(request), label, account)
            view = rooms.view(code, me(request))
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * 2
        return [_participant_status(view), round_html(view.current)]

    vote.click(cast, [joined_code, choice], [join_status, join_answers])

    # A join link (?room=CODE) opens this tab in Join mode, fills the code in and joins. A reload
    # without one lands back in the room this visitor runs or joined (their id outlives the page).
    outer = tab.parent if tab is not None and isinstance(tab.parent, gr.Tabs) else None
    landing = [*([outer] if outer is not None else []), modes, join_code, *join_outputs, *facilitator_outputs]

    def resume(code: str | None, url: str, host: str) -> list[object]:
        if code is None:
            return [gr.skip()] * len(facilitator_outputs)
        view = rooms.view(code)
        address = reachable(url)
        link = address.link(code)
        shown = round_html(view.current, "No round yet.")
        board = board_frame(session_board(rooms.round_votes(code, host=host)))  # the board survives a reload
        qr = qr_html(address, link)
        return [code, code, link, _facilitator_status(view), shown, gr.Timer(active=True), qr, board]

    def land(request: gr.Request, url: str) -> list[object]:
        visitor = me(request)
        code = normalize_code(dict(request.query_params).get("room"))
        hosted = None if code else rooms.hosted_by(visitor)
        joined = None if code or hosted else rooms.joined_by(visitor)
        facilitating = resume(hosted, url, visitor)
        if not (code or hosted or joined):
            return [gr.skip()] * len(landing)
        selected = [gr.Tabs(selected="workshop")] if outer is not None else []
        if hosted:
            return [*selected, gr.Tabs(selected="facilitate"), *([gr.skip()] * (1 + len(join_outputs))), *facilitating]
        code = code or joined or ""
        return [*selected, gr.Tabs(selected="join"), code, *enter(request, code), *facilitating]

    if arrived is not None:
        arrived.then(land, page_url, landing, show_progress="hidden")
    else:
        gr.on(None, land, page_url, landing)

    def on_scenario(name: str) -> object:
        try:
            return example_choices(services.scenarios.get(name))
        except PlaygroundError:
            return gr.skip()

    scenario_picker.change(on_scenario, scenario_picker, examples)

    adapter_pickers = [picker.pickers[name] for name in picker.pickers if not get_lane(name).uses_model_picker]

    def refresh_adapters(request: gr.Request) -> object:
        """The adapter pickers offer this visitor's own adapters too (trained since the page loaded)."""
        names = services.adapters(session_workspace(services, request)).names()
        updates = [gr.update(choices=[("the scenario's adapter", ""), *names]) for _ in adapter_pickers]
        return updates[0] if len(updates) == 1 else updates  # Gradio wants a bare value for one output

    if tab is not None and adapter_pickers:
        tab.select(refresh_adapters, None, adapter_pickers)
