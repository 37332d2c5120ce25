-- mod_invites for Prosody 0.12, backed by the invites service.
--
-- A drop-in for Prosody's own mod_invites: the same functions, the same invite tables and the
-- same `invite-created` event, so mod_invites_register, mod_invites_adhoc, mod_invites_page,
-- mod_invites_register_web and mod_register_apps work with it unchanged. The invites themselves
-- live in the invites service (reached over Connect's JSON protocol: HTTP POST + JSON with the
-- host's API key), so every Prosody instance of a host sees the same invites, and each use of an
-- invite is taken exactly once across all of them (hold before the account is created, confirm
-- after, give back if the registration fails: HoldInvite, ConfirmInvite, ReleaseInvite).
--
-- Install: put the folder that holds this `mod_invites/` folder first in `plugin_paths`, so
-- `module:depends("invites")` loads this module instead of the built-in one, and set
--   invites_service_url = "https://invites.example.com"
--   invites_service_key = "KEYID/SECRET"  -- an API key of this host
--
-- Calls never block Prosody's event loop: inside Prosody they go through net.http and wait with
-- util.async (stanza and HTTP handlers run in an async runner in 0.12); prosodyctl, which has no
-- event loop, uses a blocking client.

local http = require "net.http";
local async = require "util.async";
local json = require "util.json";
local datetime = require "util.datetime";
local filters = require "util.filters";
local st = require "util.stanza";
local jid_split = require "util.jid".split;
local jid_bare = require "util.jid".bare;
local usermanager = require "core.usermanager";

local service_url, service_key, request_timeout, default_ttl, group_max_uses;

-- Read from the host's config; again by the prosodyctl command, which sets module.host itself.
local function load_settings()
	service_url = module:get_option_string("invites_service_url");
	service_key = module:get_option_string("invites_service_key");
	-- A call that gets no answer within this many seconds counts as the service being unreachable.
	request_timeout = module:get_option_number("invites_service_timeout", 5);
	-- Unset: the lifetime the service gives invites of this host.
	default_ttl = module:get_option_number("invite_expiry");
	-- How many accounts a reusable group invite (create_group with a ttl) can register.
	group_max_uses = module:get_option_number("invites_group_max_uses", 1000);
end
load_settings();

local in_prosody = prosody.process_type == "prosody";

if module.host ~= "*" and not (service_url and service_key) then
	module:log("error", "Set invites_service_url and invites_service_key: until then every invite is refused");
end

local unavailable_message = "The invite service cannot be reached right now; please try again later";
local invalid_message = "The invite token is invalid or expired";

--- Talking to the service

local function endpoint(method)
	return (service_url or ""):gsub("/+$", "").."/invites.v1.InviteService/"..method;
end

-- Connect error codes that say the service (not the request) is in trouble.
local trouble_codes = {
	unavailable = true; deadline_exceeded = true; internal = true; unknown = true;
	unauthenticated = true; permission_denied = true; resource_exhausted = true;
};

-- Turns an HTTP answer into (message) or (nil, failure); a failure is
-- { code = Connect code, message = text, trouble = the service rather than the request is at fault }.
local function decode_answer(body, code)
	local ok, data = pcall(json.decode, body or "");
	if not ok then data = nil; end
	if code == 200 then
		if type(data) == "table" then return data; end
		return nil, { code = "unknown", message = "unreadable answer", trouble = true };
	end
	if type(data) == "table" and type(data.code) == "string" then
		return nil, { code = data.code, message = tostring(data.message or data.code), trouble = trouble_codes[data.code] or false };
	end
	if code == 404 then
		-- Not a Connect error: the service does not have this method (an older version).
		return nil, { code = "unimplemented", message = "the service does not know this call (older than this module?)", trouble = true };
	end
	return nil, { code = "unavailable", message = ("HTTP %d"):format(code), trouble = true };
end

local function request_headers(body)
	return {
		["Content-Type"] = "application/json";
		["Content-Length"] = tostring(#body);
		["Connect-Protocol-Version"] = "1";
		["Authorization"] = "Bearer "..service_key;
	};
end

-- Inside Prosody: net.http, waiting in the caller's async runner, given up after request_timeout.
local function post_async(method, body)
	local wait, done = async.waiter();
	local answer, failure, finished, req;
	local timer;
	local function finish(a, f)
		if finished then return; end
		finished = true;
		answer, failure = a, f;
		if timer then timer:stop(); end
		done();
	end
	timer = module:add_timer(request_timeout, function ()
		if finished then return; end
		finish(nil, { code = "deadline_exceeded", message = ("no answer within %g s"):format(request_timeout), trouble = true });
		if req then http.destroy_request(req); end
	end);
	req = http.request(endpoint(method), {
		method = "POST";
		body = body;
		headers = request_headers(body);
		suppress_url = true;
	}, function (response_body, code)
		if code == 0 then
			finish(nil, { code = "unavailable", message = tostring(response_body), trouble = true });
		else
			finish(decode_answer(response_body, code));
		end
	end);
	wait();
	return answer, failure;
end

-- In prosodyctl (no event loop): a blocking request.
local function post_blocking(method, body)
	local url = endpoint(method);
	local client = url:match("^https:") and require "ssl.https" or require "socket.http";
	local ltn12 = require "ltn12";
	client.TIMEOUT = request_timeout;
	local chunks = {};
	local ok, code = client.request({
		url = url;
		method = "POST";
		headers = request_headers(body);
		source = ltn12.source.string(body);
		sink = ltn12.sink.table(chunks);
	});
	if not ok then
		return nil, { code = "unavailable", message = tostring(code), trouble = true };
	end
	return decode_answer(table.concat(chunks), code);
end

-- The service's state as this module last saw it, so an outage is logged once when it starts
-- and once when it ends rather than at every refused registration.
local trouble;

local function note_result(failure)
	if failure and failure.trouble then
		if not trouble then
			trouble = failure.code;
			module:log("error", "The invites service at %s does not work (%s: %s): invites are refused until it does",
				service_url, failure.code, failure.message);
		end
	elseif trouble then
		module:log("info", "The invites service at %s answers again", service_url);
		trouble = nil;
	end
end

-- Calls an RPC; returns the decoded answer, or nil and a failure.
local function call(method, payload)
	if not (service_url and service_key) then
		return nil, { code = "failed_precondition", message = "invites_service_url and invites_service_key are not set", trouble = true };
	end
	local body = json.encode(payload);
	local answer, failure;
	if not in_prosody then
		answer, failure = post_blocking(method, body);
	elseif async.ready() then
		answer, failure = post_async(method, body);
	else
		-- Waiting here would block every connection of the server.
		module:log("error", "%s called outside an async context; refused: %s", method, debug.traceback());
		return nil, { code = "internal", message = "called outside an async context", trouble = false };
	end
	note_result(failure);
	return answer, failure;
end

-- Calls an RPC from anywhere (e.g. a stanza filter) without waiting for the answer.
local function call_detached(method, payload, on_done)
	async.runner(function ()
		local answer, failure = call(method, payload);
		if on_done then on_done(answer, failure); end
	end):run(true);
end

--- Invites as Prosody's modules see them

local prosody_type = {
	INVITE_TYPE_REGISTER = "register";
	INVITE_TYPE_PASSWORD_RESET = "register";
	INVITE_TYPE_ROSTER = "roster";
};

local function non_empty(s)
	if s == nil or s == "" then return nil; end
	return s;
end

local function list_or_nil(list)
	if type(list) ~= "table" or #list == 0 then return nil; end
	return list;
end

-- The invite table Prosody's mod_invites makes, from the service's Invite (or PublicInvite).
local function prosody_invite(invite)
	local kind = invite.type or "INVITE_TYPE_REGISTER";
	local additional_data = {};
	if list_or_nil(invite.roles) then
		additional_data.roles = {};
		for _, role in ipairs(invite.roles) do additional_data.roles[role] = true; end
	end
	additional_data.groups = list_or_nil(invite.groups);
	if kind == "INVITE_TYPE_PASSWORD_RESET" then
		additional_data.allow_reset = non_empty(invite.username);
	end
	return {
		type = prosody_type[kind] or "register";
		jid = invite.uri and invite.uri:match("^xmpp:([^?]+)") or module.host;
		token = invite.token;
		uri = invite.uri;
		landing_page = non_empty(invite.landingPageUrl);
		created_at = invite.createTime and datetime.parse(invite.createTime) or nil;
		expires = invite.expireTime and datetime.parse(invite.expireTime) or nil;
		allow_registration = kind ~= "INVITE_TYPE_ROSTER" or invite.allowRegistration == true;
		additional_data = next(additional_data) and additional_data or nil;
		reusable = (invite.maxUses or 1) > 1;
		inviter = non_empty(invite.inviter);
		-- Not in Prosody's table: the only username this invite can register or reset.
		bound_username = non_empty(invite.username);
		status = invite.status;
	};
end

local function role_list(additional_data)
	local roles = {};
	if additional_data and type(additional_data.roles) == "table" then
		for role, on in pairs(additional_data.roles) do
			if on then table.insert(roles, role); end
		end
		table.sort(roles);
	end
	return list_or_nil(roles);
end

-- The local user an additional_data.source JID (as mod_invites_adhoc passes it) names, if any.
local function local_user(source)
	if type(source) ~= "string" then return nil; end
	local node, host = jid_split(source);
	if host == module.host then return node; end
	return nil;
end

local function create_invite(request)
	request.ttlSeconds = request.ttlSeconds or default_ttl;
	local answer, failure = call("CreateInvite", request);
	if not answer then
		module:log("warn", "Could not create an invite: %s", failure.message);
		return nil, failure.trouble and "service-unavailable" or "internal-server-error";
	end
	local invite = prosody_invite(answer.invite);
	module:fire_event("invite-created", invite);
	return invite;
end

-- Create invitation to register an account (optionally restricted to the specified username)
function create_account(account_username, additional_data, ttl) --luacheck: ignore 131/create_account
	local reset = additional_data and additional_data.allow_reset;
	return create_invite({
		type = reset and "INVITE_TYPE_PASSWORD_RESET" or nil;
		username = account_username or reset or nil;
		inviter = additional_data and local_user(additional_data.source) or nil;
		roles = role_list(additional_data);
		groups = additional_data and list_or_nil(additional_data.groups) or nil;
		ttlSeconds = ttl;
	});
end

-- Create invitation to reset the password for an account
function create_account_reset(account_username, ttl) --luacheck: ignore 131/create_account_reset
	return create_account(account_username, { allow_reset = account_username }, ttl or 86400);
end

-- Create invitation to become a contact of a local user
function create_contact(username, allow_registration, additional_data, ttl) --luacheck: ignore 131/create_contact
	return create_invite({
		type = "INVITE_TYPE_ROSTER";
		inviter = username;
		allowRegistration = allow_registration and true or nil;
		roles = role_list(additional_data);
		groups = additional_data and list_or_nil(additional_data.groups) or nil;
		ttlSeconds = ttl;
	});
end

-- Create invitation to register an account and join a user group
-- If explicit ttl is passed, invite is valid for multiple signups
-- during that time period
function create_group(group_ids, additional_data, ttl) --luacheck: ignore 131/create_group
	return create_invite({
		inviter = additional_data and local_user(additional_data.source) or nil;
		roles = role_list(additional_data);
		groups = list_or_nil(group_ids);
		maxUses = ttl and group_max_uses or nil;
		ttlSeconds = ttl;
	});
end

-- Iterates pending (non-expired, unused) invites that allow registration: token, invite
function pending_account_invites() --luacheck: ignore 131/pending_account_invites
	local pending = {};
	local page_token;
	repeat
		local answer, failure = call("ListInvites", { status = "INVITE_STATUS_VALID", pageSize = 200, pageToken = page_token });
		if not answer then
			module:log("warn", "Could not list invites: %s", failure.message);
			break;
		end
		for _, invite in ipairs(answer.invites or {}) do
			local converted = prosody_invite(invite);
			if converted.allow_registration then pending[converted.token] = converted; end
		end
		page_token = non_empty(answer.nextPageToken);
	until not page_token
	return pairs(pending);
end

-- The invite behind a token, as the service sees it: (invite, nil) or (nil, error string)
local function fetch(token)
	local answer, failure = call("GetInvite", { token = token });
	if not answer then
		if failure.trouble then return nil, "service-unavailable"; end
		return nil, "token-invalid";
	end
	-- With our key the service adds `detail`, the whole invite (roles, groups...).
	local invite = prosody_invite(answer.detail or answer.invite);
	if invite.status == "INVITE_STATUS_EXPIRED" then
		return nil, "token-expired";
	elseif invite.status ~= "INVITE_STATUS_VALID" then
		return nil, "token-invalid";
	end
	return invite;
end

function get_account_invite_info(token) --luacheck: ignore 131/get_account_invite_info
	if not token then
		return nil, "no-token";
	end
	local invite, err = fetch(token);
	if not invite then return nil, err; end
	if not invite.allow_registration then return nil, "token-invalid"; end
	return invite;
end

function delete_account_invite(token) --luacheck: ignore 131/delete_account_invite
	if not token then
		return nil, "no-token";
	end
	local answer, failure = call("RevokeInvite", { token = token });
	if not answer then return nil, failure.message; end
	return true;
end

--- Using an invite: hold a use, then confirm it (or give it back)

local valid_invite_methods = {};
local valid_invite_mt = { __index = valid_invite_methods };

-- Reserves one use of the invite for `account`; (true) or (nil, failure).
function valid_invite_methods:hold(account)
	local answer, failure = call("HoldInvite", { token = self.token, account = account });
	if not answer then return nil, failure; end
	self.held = { account = account, id = answer.holdId };
	-- The whole invite (roles, groups) as the service has it now.
	local current = prosody_invite(answer.invite);
	self.additional_data = current.additional_data;
	return true;
end

-- Confirms a held use; when the service cannot be reached, keeps trying in the background
-- for a while (the account exists: a held use that came back could be used again).
local function confirm_later(token, hold_id, attempt, failure)
	if not failure.trouble or attempt >= 10 then
		module:log("warn", "Could not confirm the use of an invite: %s", failure.message);
		return;
	end
	module:add_timer(10, function ()
		call_detached("ConfirmInvite", { token = token, holdId = hold_id }, function (answer, next_failure)
			if not answer then confirm_later(token, hold_id, attempt + 1, next_failure); end
		end);
	end);
end

local function confirm(token, hold_id)
	local answer, failure = call("ConfirmInvite", { token = token, holdId = hold_id });
	if answer then return true; end
	confirm_later(token, hold_id, 1, failure);
	return nil, failure;
end

-- Gives a held use back (the registration it was held for failed).
function valid_invite_methods:release()
	local held = self.held;
	self.held = nil;
	if not held or held.confirmed then return; end
	call_detached("ReleaseInvite", { token = self.token, holdId = held.id }, function (_, failure)
		if failure then
			module:log("debug", "Could not give a held invite use back (it comes back by itself): %s", failure.message);
		end
	end);
end

-- Marks the invite used (after the account was created, the password reset, or the
-- subscription approved). Confirms the use held at user-registering, or takes one now.
function valid_invite_methods:use()
	local held = self.held;
	if not held then
		local ok, failure = self:hold(self.account or "unknown");
		if not ok then
			module:log("warn", "Could not use an invite: %s", failure.message);
			return nil, failure.message;
		end
		held = self.held;
	end
	if held.confirmed then return true; end
	held.confirmed = true;
	local ok, failure = confirm(self.token, held.id);
	if not ok then return nil, failure.message; end
	return true;
end

-- The result of a get() made moments ago in the same coroutine (see the preauth hook below),
-- and the contact whose subscription a roster invite is being used for.
local recent = setmetatable({}, { __mode = "k" });

-- Get a validated invite (or nil, err). Must call :use() on the
-- returned invite after it is actually successfully used
-- For "roster" invites, the username of the local user (who issued
-- the invite) must be passed.
-- If no username is passed, but the registration is a roster invite
-- from a local user, the "inviter" field of the returned invite will
-- be set to their username.
function get(token, username)
	if not token then
		return nil, "no-token";
	end
	local thread = coroutine.running();
	local memo = recent[thread];
	recent[thread] = nil;

	local invite, err;
	if memo and memo.token == token and memo.fetched then
		invite, err = memo.invite, memo.err;
	else
		invite, err = fetch(token);
	end
	if not invite then
		return nil, err;
	end

	local inviter, account;
	if username then -- token being used for subscription
		if invite.type ~= "roster" or invite.inviter ~= username then
			return nil, "token-invalid";
		end
		account = memo and memo.token == token and memo.contact or nil;
	else -- token being used for account creation
		if not invite.allow_registration then
			return nil, "token-invalid";
		end
		if invite.type == "roster" then
			username = invite.inviter;
			inviter = username;
		end
	end

	return setmetatable({
		token = token;
		username = username;
		inviter = inviter;
		type = invite.type;
		jid = invite.jid;
		uri = invite.uri;
		landing_page = invite.landing_page;
		expires = invite.expires;
		additional_data = invite.additional_data;
		reusable = invite.reusable;
		bound_username = invite.bound_username;
		account = account;
	}, valid_invite_mt);
end

function use(token) --luacheck: ignore 131/use
	local invite = get(token);
	return invite and invite:use();
end

--- Hooks: clear errors, holding a use while an account is created

if in_prosody then
	-- Answer a preauth token ourselves when the service cannot be asked, so the client hears
	-- "try again later" rather than mod_invites_register's "invalid or expired"; otherwise keep
	-- the answer for the get() mod_invites_register makes next, so the service is asked once.
	module:hook("stanza/iq/urn:xmpp:pars:0:preauth", function (event)
		local token = event.stanza.tags[1].attr.token;
		if not token then return; end
		local invite, err = fetch(token);
		if not invite and err == "service-unavailable" then
			event.origin.send(st.error_reply(event.stanza, "wait", "service-unavailable", unavailable_message));
			return true;
		end
		recent[coroutine.running()] = { token = token, fetched = true, invite = invite, err = err };
	end, 10);

	-- Remember which contact a roster invite is used for (mod_invites_register asks get() next).
	module:hook("presence/bare", function (event)
		local stanza = event.stanza;
		local preauth = stanza.attr.type == "subscribe" and stanza:get_child("preauth", "urn:xmpp:pars:0");
		if preauth and preauth.attr.token then
			recent[coroutine.running()] = { token = preauth.attr.token, contact = jid_bare(stanza.attr.from) };
		end
	end, 2);

	-- The id of the registration request, so the answer to it can be recognised.
	module:hook("stanza/iq/jabber:iq:register:query", function (event)
		if event.stanza.attr.type == "set" then
			event.origin.invites_register_iq = event.stanza.attr.id;
		end
	end, 10);

	-- Gives the held use back when the registration it was held for is refused.
	local function release_on_error(stanza, session)
		local pending = session.invites_pending;
		if pending and stanza.name == "iq" and stanza.attr.id == pending.iq_id then
			session.invites_pending = nil;
			if stanza.attr.type == "error" then
				pending.invite:release();
			end
		end
		return stanza;
	end

	local function refuse(event, failure)
		event.allowed = false;
		if failure.trouble then
			event.error_type, event.error_condition, event.reason = "wait", "service-unavailable", unavailable_message;
		elseif failure.code == "not_found" then
			event.error_type, event.error_condition, event.reason = "cancel", "forbidden", invalid_message;
		else
			event.error_type, event.error_condition, event.reason = "cancel", "forbidden", failure.message;
		end
	end

	-- Last of the user-registering hooks: hold a use only for a registration nothing refused.
	module:hook("user-registering", function (event)
		local invite = event.validated_invite or (event.session and event.session.validated_invite);
		if not invite or getmetatable(invite) ~= valid_invite_mt or not event.allowed then
			return;
		end
		local username = event.username;
		if usermanager.user_exists(username, module.host) and event.allow_reset ~= username then
			return; -- Prosody refuses it (the username is taken): nothing to hold
		end
		local ok, failure = invite:hold(username);
		if not ok then
			module:log("info", "Registration of %s refused: %s", username, failure.message);
			refuse(event, failure);
			return;
		end
		local session = event.session;
		if session and session.invites_register_iq then
			session.invites_pending = { iq_id = session.invites_register_iq, invite = invite };
			if not session.invites_filtered then
				session.invites_filtered = true;
				filters.add_filter(session, "stanzas/out", release_on_error);
			end
		end
	end, -100);
end

--- shell command
do
	-- Since the console is global this overwrites the command for
	-- each host it's loaded on, but this should be fine.

	local get_module = require "core.modulemanager".get_module;

	local console_env = module:shared("/*/admin_shell/env");

	-- luacheck: ignore 212/self
	console_env.invite = {};
	function console_env.invite:create_account(user_jid)
		local username, host = jid_split(user_jid);
		local mod_invites, err = get_module(host, "invites");
		if not mod_invites then return nil, err or "mod_invites not loaded on this host"; end
		local invite, err = mod_invites.create_account(username);
		if not invite then return nil, err; end
		return true, invite.landing_page or invite.uri;
	end

	function console_env.invite:create_contact(user_jid, allow_registration)
		local username, host = jid_split(user_jid);
		local mod_invites, err = get_module(host, "invites");
		if not mod_invites then return nil, err or "mod_invites not loaded on this host"; end
		local invite, err = mod_invites.create_contact(username, allow_registration);
		if not invite then return nil, err; end
		return true, invite.landing_page or invite.uri;
	end
end

--- prosodyctl command
function module.command(arg)
	if #arg < 2 or arg[1] ~= "generate" then
		print("usage: prosodyctl mod_"..module.name.." generate example.com");
		return 2;
	end
	table.remove(arg, 1); -- pop command

	local sm = require "core.storagemanager";
	local mm = require "core.modulemanager";

	local host = arg[1];
	assert(prosody.hosts[host], "Host "..tostring(host).." does not exist");
	sm.initialize_host(host);
	table.remove(arg, 1); -- pop host
	module.host = host; --luacheck: ignore 122/module
	load_settings();

	-- Load mod_invites
	local invites = module:depends("invites");
	-- Optional community module that if used, needs to be loaded here
	local invites_page_module = module:get_option_string("invites_page_module", "invites_page");
	if mm.get_modules_for_host(host):contains(invites_page_module) then
		module:depends(invites_page_module);
	end

	local allow_reset;
	local roles;
	local groups = {};

	while #arg > 0 do
		local value = arg[1];
		table.remove(arg, 1);
		if value == "--help" then
			print("usage: prosodyctl mod_"..module.name.." generate DOMAIN --reset USERNAME")
			print("usage: prosodyctl mod_"..module.name.." generate DOMAIN [--admin] [--role ROLE] [--group GROUPID]...")
			print()
			print("This command has two modes: password reset and new account.")
			print("If --reset is given, the command operates in password reset mode and in new account mode otherwise.")
			print()
			print("required arguments in password reset mode:")
			print()
			print("    --reset USERNAME  Generate a password reset link for the given USERNAME.")
			print()
			print("optional arguments in new account mode:")
			print()
			print("    --admin           Make the new user privileged")
			print("                      Equivalent to --role prosody:admin")
			print("    --role ROLE       Grant the given ROLE to the new user")
			print("    --group GROUPID   Add the user to the group with the given ID")
			print("                      Can be specified multiple times")
			print()
			print("--role and --admin override each other; the last one wins")
			print("--group can be specified multiple times; the user will be added to all groups.")
			print()
			print("--reset and the other options cannot be mixed.")
			return 2
		elseif value == "--reset" then
			local nodeprep = require "util.encodings".stringprep.nodeprep;
			local username = nodeprep(arg[1])
			table.remove(arg, 1);
			if not username then
				print("Please supply a valid username to generate a reset link for");
				return 2;
			end
			allow_reset = username;
		elseif value == "--admin" then
			roles = { ["prosody:admin"] = true };
		elseif value == "--role" then
			local rolename = arg[1];
			if not rolename then
				print("Please supply a role name");
				return 2;
			end
			roles = { [rolename] = true };
			table.remove(arg, 1);
		elseif value == "--group" or value == "-g" then
			local groupid = arg[1];
			if not groupid then
				print("Please supply a group ID")
				return 2;
			end
			table.insert(groups, groupid);
			table.remove(arg, 1);
		else
			print("unexpected argument: "..value)
		end
	end

	local invite, err;
	if allow_reset then
		if roles then
			print("--role/--admin and --reset are mutually exclusive")
			return 2;
		end
		if #groups > 0 then
			print("--group and --reset are mutually exclusive")
		end
		invite, err = invites.create_account_reset(allow_reset);
	else
		invite, err = invites.create_account(nil, {
			roles = roles,
			groups = groups
		});
	end
	if not invite then
		print("Could not create the invite: "..tostring(err));
		return 1;
	end

	print(invite.landing_page or invite.uri);
end
