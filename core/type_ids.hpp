#pragma once

// Every atom and message type Flux sends between actors, in one place.
// Each actor's typed interface is in core/actors.hpp.

#include <caf/all.hpp>

#include "core/event.hpp"
#include "core/fwd.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(flux, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(flux, (flux::event))

  CAF_ADD_ATOM(flux, flux::atom, status, "status")
  CAF_ADD_ATOM(flux, flux::atom, publish, "publish")
  CAF_ADD_ATOM(flux, flux::atom, subscribe, "subscribe")
  CAF_ADD_ATOM(flux, flux::atom, unsubscribe, "unsub")
  CAF_ADD_ATOM(flux, flux::atom, deliver, "deliver")
  CAF_ADD_ATOM(flux, flux::atom, commit, "commit")
  CAF_ADD_ATOM(flux, flux::atom, burst, "burst")
  CAF_ADD_ATOM(flux, flux::atom, client_text, "clienttext")
  CAF_ADD_ATOM(flux, flux::atom, drained, "drained")
  CAF_ADD_ATOM(flux, flux::atom, closed, "closed")
  CAF_ADD_ATOM(flux, flux::atom, close, "close")
  CAF_ADD_ATOM(flux, flux::atom, tick, "tick")
  CAF_ADD_ATOM(flux, flux::atom, fetched, "fetched")
  CAF_ADD_ATOM(flux, flux::atom, restart, "restart")
  CAF_ADD_ATOM(flux, flux::atom, join, "join")
  CAF_ADD_ATOM(flux, flux::atom, get, "get")
  CAF_ADD_ATOM(flux, flux::atom, list, "list")
  CAF_ADD_ATOM(flux, flux::atom, ready, "ready")
  CAF_ADD_ATOM(flux, flux::atom, health, "health")
  CAF_ADD_ATOM(flux, flux::atom, shutdown, "shutdown")
  CAF_ADD_ATOM(flux, flux::atom, resubscribe, "resub")
  CAF_ADD_ATOM(flux, flux::atom, flush, "flush")
  CAF_ADD_ATOM(flux, flux::atom, direct, "direct")
  CAF_ADD_ATOM(flux, flux::atom, forward, "forward")
  CAF_ADD_ATOM(flux, flux::atom, forwarded, "forwarded")
  CAF_ADD_ATOM(flux, flux::atom, expire, "expire")

CAF_END_TYPE_ID_BLOCK(flux)

// Shared frame bytes never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flux::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<flux::frame_ptr>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flux::room_burst)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flux::room_frames_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(flux::fanout_link_ptr)
