// Runs one turn of an agent with a tool over sessiond's gRPC API.
//
//   npm install --prefix examples/node
//   node examples/node/example.js [HOST:PORT]     (default: $SESSIOND_GRPC or 127.0.0.1:50051)
//
// The key (if the core asks for one) comes from $SESSIOND_API_KEY and is sent
// as `x-api-key` call metadata. See docs/grpc.md for the mapping of oneofs,
// google.protobuf.Struct and int64 that this file relies on.
"use strict";

const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const PROTO_DIR = path.resolve(__dirname, "../../proto");
const definition = protoLoader.loadSync(
  ["sessiond/v1/agent.proto", "sessiond/v1/environment.proto", "sessiond/v1/session.proto", "sessiond/v1/event.proto"],
  {
    includeDirs: [PROTO_DIR],
    keepCase: true, // field names as in the .proto (snake_case)
    longs: Number, // int64 as JS numbers (token counts and sequences fit in 2^53)
    enums: String, // enum values by name, e.g. "SESSION_STATUS_IDLE"
    defaults: true,
    oneofs: true, // each oneof's chosen field name is set on the message, e.g. payload: "agent_message"
  },
);
const v1 = grpc.loadPackageDefinition(definition).sessiond.v1;

const target = process.argv[2] || process.env.SESSIOND_GRPC || "127.0.0.1:50051";
const creds = grpc.credentials.createInsecure();
const metadata = new grpc.Metadata();
if (process.env.SESSIOND_API_KEY) metadata.set("x-api-key", process.env.SESSIOND_API_KEY);

const agents = new v1.AgentService(target, creds);
const environments = new v1.EnvironmentService(target, creds);
const sessions = new v1.SessionService(target, creds);
const events = new v1.EventService(target, creds);

function call(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: Date.now() + 10_000 }, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

// google.protobuf.Struct / Value -> a plain JS value. proto-loader keeps the wire
// shape, and the well-known types come from protobufjs's bundled copies, whose
// field names are camelCase even with keepCase (kind: "stringValue", ...).
function fromValue(v) {
  const kind = v.kind;
  const value = v[kind];
  switch (kind) {
    case "nullValue": case "null_value": return null;
    case "structValue": case "struct_value": return fromStruct(value);
    case "listValue": case "list_value": return (value.values || []).map(fromValue);
    default: return value; // numberValue, stringValue, boolValue
  }
}
function fromStruct(s) {
  return Object.fromEntries(Object.entries((s && s.fields) || {}).map(([k, v]) => [k, fromValue(v)]));
}

function text(content) {
  return (content || []).filter((b) => b.type === "text").map((b) => b.text.text).join("");
}

async function main() {
  // A oneof member is set by its field name: the built-in toolset is `agent_toolset_20260401`.
  const { agent } = await call(agents, "CreateAgent", {
    name: "node-example",
    model: { id: "claude-sonnet-4-5" },
    tools: [{ agent_toolset_20260401: { default_config: { permission_policy: { always_allow: {} } } } }],
  });
  const { environment } = await call(environments, "CreateEnvironment", { name: "node-example", config: { cloud: {} } });
  const { session } = await call(sessions, "CreateSession", { agent: { agent: { id: agent.id } }, environment_id: environment.id });
  console.log(`session ${session.id} (agent ${agent.id})`);

  const stream = events.StreamEvents({ session_id: session.id }, metadata);
  const done = new Promise((resolve, reject) => {
    stream.on("data", (item) => {
      if (item.item !== "event") return; // previews ("start"/"delta") are not asked for here
      const ev = item.event;
      switch (ev.payload) {
        case "agent_tool_use":
          console.log(`tool_use ${ev.agent_tool_use.name} ${JSON.stringify(fromStruct(ev.agent_tool_use.input))}`);
          break;
        case "agent_tool_result":
          console.log(`tool_result ${text(ev.agent_tool_result.content).trim()}`);
          break;
        case "agent_message":
          console.log(`agent_message ${text(ev.agent_message.content)}`);
          break;
        case "span_model_request_end": {
          const u = ev.span_model_request_end.model_usage;
          console.log(`usage input_tokens=${u.input_tokens} output_tokens=${u.output_tokens} (${typeof u.input_tokens})`);
          break;
        }
        case "session_status_idle":
          console.log(`idle (sequence ${ev.sequence})`);
          stream.cancel();
          resolve();
          break;
        default:
          console.log(ev.payload);
      }
    });
    stream.on("error", (err) => (err.code === grpc.status.CANCELLED ? resolve() : reject(err)));
  });

  // Wait until the stream is attached (its metadata arrives), then send.
  await new Promise((resolve) => stream.once("metadata", resolve));
  await call(events, "SendEvents", {
    session_id: session.id,
    events: [{ user_message: { content: [{ text: { text: '/tool bash {"command": "echo hello from node"}' } }] } }],
  });
  await done;
  for (const c of [agents, environments, sessions, events]) c.close();
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
