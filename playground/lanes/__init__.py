"""Lanes: each way of answering a question (prompting, RAG, fine-tuning, ...) is one module.

`base` says what a lane is, `registry` finds them, `running` runs one or several at once, and
`builtin/` holds the shipped lanes.
"""

from playground.lanes.base import (
    Control,
    Lane,
    LaneContext,
    LaneError,
    LaneOptions,
    Recorder,
)
from playground.lanes.registry import (
    UnknownLaneError,
    all_lanes,
    default_lanes,
    get_lane,
    lane_names,
    register,
    unregister,
)
from playground.lanes.running import EmptyQuestionError, LaneJob, check_question, describe_error, run_lane, run_lanes
from playground.llm import ChatGateway

__all__ = [
    "ChatGateway",
    "Control",
    "EmptyQuestionError",
    "Lane",
    "LaneContext",
    "LaneError",
    "LaneJob",
    "LaneOptions",
    "Recorder",
    "UnknownLaneError",
    "all_lanes",
    "check_question",
    "default_lanes",
    "describe_error",
    "get_lane",
    "lane_names",
    "register",
    "run_lane",
    "run_lanes",
    "unregister",
]
