"""Where an Engine's messages go when no log= callable is given: the "segrt" logger.

A CPU fallback or an ignored tuning-cache file is a Notice: shown as a warning, so
Python's default logging prints it once on stderr, as the CLI does.
"""
import logging

_logger = logging.getLogger("segrt")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": logging.WARNING, "warning": logging.WARNING}


def emit(level, message):
    _logger.log(_LEVELS.get(level, logging.INFO), message)
