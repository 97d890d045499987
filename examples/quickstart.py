"""The README's quickstart: an agent with the built-in tools runs one turn.

export SESSIOND_API_KEY=sk-sessiond-…     # the key `sessiond serve` printed
.venv/bin/python examples/quickstart.py
"""

import os

import anthropic

client = anthropic.Anthropic(
    base_url=os.environ.get("SESSIOND_URL", "http://127.0.0.1:8080"),
    api_key=os.environ["SESSIOND_API_KEY"],
)

# An agent with the built-in toolset (bash, read, write, edit, glob, grep, …).
agent = client.beta.agents.create(
    name="helper",
    model="claude-sonnet-4-5",
    tools=[{"type": "agent_toolset_20260401"}],
)
env = client.beta.environments.create(name="quickstart")
session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
print("session", session.id)

# Without ANTHROPIC_API_KEY the server's offline model follows scripted steps
# like these; with it, write to the agent in plain words instead.
prompt = '/tool bash {"command": "echo hello from a tool && pwd"}'

with client.beta.sessions.events.stream(session.id) as stream:  # attached once this returns
    client.beta.sessions.events.send(
        session.id,
        events=[{"type": "user.message", "content": [{"type": "text", "text": prompt}]}],
    )
    for event in stream:
        if event.type == "agent.tool_use":
            print("tool call:", event.name, event.input)
        elif event.type == "agent.tool_result":
            print("tool result:", " ".join(b.text for b in event.content if b.type == "text"))
        elif event.type == "agent.message":
            print("agent:", " ".join(b.text for b in event.content if b.type == "text"))
        elif event.type == "session.status_idle":
            break

usage = client.beta.sessions.retrieve(session.id).usage
print(f"tokens: {usage.input_tokens} in, {usage.output_tokens} out")
