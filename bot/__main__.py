"""The command line: python -m bot [run | chat | match | check | eval | review | vectors]."""

from __future__ import annotations

import argparse
import sys


def _check(args: argparse.Namespace) -> int:
    from bot.knowledge import summary
    from bot.services import check_knowledge

    kb, problems = check_knowledge()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems or kb is None:
        print(f"{len(problems)} problem(s) in the knowledge base", file=sys.stderr)
        return 1
    from bot.cli import stored_behind
    from bot.services import matcher_kind

    behind = stored_behind(kb) if matcher_kind() != "lexical" else None  # lexical reads none
    if behind:
        print(behind, file=sys.stderr)
        return 1
    print(summary(kb))
    return 0


def _match(args: argparse.Namespace) -> int:
    from bot.cli import match_lines

    return match_lines(sys.stdin, sys.stdout)


def _eval(args: argparse.Namespace) -> int:
    from bot.cli import evaluate

    return evaluate(args.file, cv=args.cv, show=args.show, part=args.part)


def _run(args: argparse.Namespace) -> int:
    from bot.cli import run

    return run()


def _chat(args: argparse.Namespace) -> int:
    from bot.cli import chat

    return chat()


def _review(args: argparse.Namespace) -> int:
    from bot.cli import review

    return review(args.export)


def _vectors(args: argparse.Namespace) -> int:
    from bot.cli import vectors

    return vectors()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="A Telegram bot about glutamine and leaky gut.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    commands.add_parser(
        "run", help="serve Telegram (polling, or a webhook when WEBHOOK_URL is set)"
    ).set_defaults(func=_run)
    commands.add_parser("chat", help="the same bot in the terminal, no token needed").set_defaults(
        func=_chat
    )
    commands.add_parser(
        "match", help="read questions on stdin, write the matcher's decisions as JSON lines"
    ).set_defaults(func=_match)
    commands.add_parser("check", help="validate intents/ and content/").set_defaults(func=_check)
    evaluate = commands.add_parser("eval", help="measure the matcher on a labelled question set")
    evaluate.add_argument("file", nargs="?", default="tests/data/dev.yaml")
    evaluate.add_argument("--cv", type=int, metavar="K", help="k-fold cross-validation instead")
    evaluate.add_argument("--show", type=int, default=0, metavar="N", help="list N mistakes")
    evaluate.add_argument(
        "--part",
        choices=("heldout", "tuning", "all"),
        default="heldout",
        help="of a real-wording set: the held-out part (default), the tuning part, or all",
    )
    evaluate.set_defaults(func=_eval)
    review = commands.add_parser(
        "review",
        help="the questions kept for the curators, grouped by nearest intent, with 👎 rates",
    )
    review.add_argument("--export", metavar="FILE", help="write them as YAML for curators")
    review.set_defaults(func=_review)
    commands.add_parser(
        "vectors", help="store every example's sentence vector, after editing intents/"
    ).set_defaults(func=_vectors)
    args = parser.parse_args(argv)
    func = getattr(args, "func", _run)  # no command: run, as the spec says
    from bot.matching import MatcherError

    try:
        return func(args)
    except MatcherError as error:  # an unknown MATCHER, or its model file missing or altered
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
