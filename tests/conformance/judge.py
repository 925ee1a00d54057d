"""The rules of the differential conformance test: the host's Verdict on a case set against
the two references' (llhttp, h11), for run.py.

A server's verdict is the list of messages it framed, then whether it refused what came
after; a server that closed after saying so (Connection: close) read nothing further, and
what followed is compared with nobody. The rules (issue 22):
  frames-differently        the host frames a message differently from a reference: another
                            method, target or body at the same place, or it accepts the
                            input as fewer or more messages than a reference that frames it;
  refuses-what-both-accept  the host refuses a message both references frame (or answers
                            it >= 300 and goes on: a method the echo plugin cannot route);
  accepts-what-both-refuse  the host accepts what both references refuse;
  takes-the-looser-answer   the references disagree and the host accepts what one refuses.
A case that breaks a rule is a violation unless the allow-list (deviations.toml) documents
the rule for one of the case's tags; then it is a documented deviation.
"""

from exchange import Declined

ALL_ACCEPT = "all three accept, framing alike"
ALL_REFUSE = "all three refuse"
HOST_STRICTER = "references disagree, host takes the stricter answer"
DEVIATION = "documented deviation"
VIOLATION = "violation"
CATEGORIES = [ALL_ACCEPT, ALL_REFUSE, HOST_STRICTER, DEVIATION, VIOLATION]


def alike(a, b):
    """Whether two framed messages agree. None (an answer of the host's own, not the echo
    plugin's) and Declined (an error answer, the connection going on) agree with anything:
    the message was framed, its content is not known."""
    unknown = (type(None), Declined)
    return isinstance(a, unknown) or isinstance(b, unknown) or a == b


def frames_differently(host, reference):
    """Why the host's framing differs from the reference's, or None if it does not."""
    for index, (ours, theirs) in enumerate(zip(host.messages, reference.messages)):
        if not alike(ours, theirs):
            return f"message {index + 1}: host framed {ours}, reference framed {theirs}"
    ours, theirs = len(host.messages), len(reference.messages)
    if ours < theirs and not (host.refused or host.stopped):
        return f"host accepted the input as {ours} message(s), reference framed {theirs}"
    if ours > theirs and not (reference.refused or reference.stopped):
        return f"host framed {ours} message(s), reference accepted the input as {theirs}"
    return None


def broken_rule(host, llhttp, h11):
    """(rule, why) for the first rule the host's verdict breaks, or (None, category)."""
    for name, reference in (("llhttp", llhttp), ("h11", h11)):
        why = frames_differently(host, reference)
        if why:
            return "frames-differently", f"against {name}: {why}"
    # An error answer that the connection went on after (405, 501) refuses that message.
    declined = next((index for index, message in enumerate(host.messages)
                     if isinstance(message, Declined)), None)
    framed = len(host.messages) if declined is None else declined
    if host.refused or declined is not None:
        if len(llhttp.messages) > framed and len(h11.messages) > framed:
            how = "refused" if declined is None else f"answered {host.messages[declined].status} to"
            return "refuses-what-both-accept", f"host {how} message {framed + 1}, which both references framed"
        both_refuse = (llhttp.refused and h11.refused
                       and len(llhttp.messages) == len(h11.messages) == framed)
        return None, ALL_REFUSE if both_refuse else HOST_STRICTER
    refusing = [name for name, reference in (("llhttp", llhttp), ("h11", h11))
                if reference.refused and len(reference.messages) <= framed]
    if len(refusing) == 2:
        return "accepts-what-both-refuse", "both references refused what the host accepted"
    if refusing:
        return "takes-the-looser-answer", f"{refusing[0]} refused what the host accepted"
    return None, ALL_ACCEPT


def judge(tags, host, llhttp, h11, deviations):
    """(category, rule, why, deviation) of one case: rule, why and deviation are None
    unless a rule is broken; deviation is the allow-list entry that documents it."""
    rule, why = broken_rule(host, llhttp, h11)
    if rule is None:
        return why, None, None, None
    deviation = deviations.documenting(tags, rule)
    return (DEVIATION if deviation else VIOLATION), rule, why, deviation
