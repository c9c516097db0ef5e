// CPU kernels of check_collisions.
//
// 1. Agents (parallel over agents): each mode's poses become structure-of-arrays tracks (x, y,
//    cos, sin, turn growth, valid, swept-valid) padded to whole windows of kWindow steps, with
//    an axis-aligned bound per window, and per agent the bound's union over its modes.
// 2. Candidates (parallel over candidates, fixed partition): the candidate's own track and
//    window bounds, then a collision pass (per window: agent bounds, then mode bounds, that
//    touch the candidate's; the exact tests of the surviving modes over the window's steps,
//    vectorised across steps; the deepest overlap comes with it) and, only for candidates that
//    never overlap, a clearance pass over the pairs within the best distance so far.
//
// The broad phase only skips pairs that cannot change a result (a bound's gap is a lower bound of
// every box distance inside it), so results do not depend on it, on the order of the work or on
// the thread count.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "aligned_vector.hpp"
#include "collision_workspace.hpp"
#include "cpu_clones.hpp"
#include "parallel.hpp"
#include "trajcore/detail/fast_sincos.hpp"
#include "trajcore/detail/obb_math.hpp"
#include "trajcore/detail/swept_obb.hpp"

namespace trajcore {

int64_t CollisionWorkspace::Impl::bytes() const {
  return static_cast<int64_t>(
      (agent_tracks.capacity() + mode_bounds.capacity() + agent_bounds.capacity() +
       agent_half.capacity() + scene_half.capacity()) *
          sizeof(float) +
      mode_valid.capacity() + prob.capacity() * sizeof(double) + chunk_ok.capacity() +
      (prepared_from.agents.capacity() + prepared_from.half.capacity()) * sizeof(float) +
      prepared_from.valid.capacity());
}

namespace detail {
namespace {

#if defined(__GNUC__)
#define TRAJCORE_INLINE inline __attribute__((always_inline))
#else
#define TRAJCORE_INLINE inline
#endif

// Kernels marked TRAJCORE_CPU_CLONES (cpu_clones.hpp) are compiled once per instruction set and
// chosen at load time; -ffp-contract=off keeps every version's results bitwise equal.
constexpr int kWindow = 16;  // steps per window: one AVX-512 register of lanes
// Each field row starts with a block of this many floats whose last slot holds step -1, so that
// step 0, and so every window, starts on a cache line (rows are whole cache lines too).
constexpr int kLead = kWindow;
constexpr int64_t kCandidateGrain = 8;
constexpr int64_t kAgentGrain = 4;
constexpr float kTwoPi = 6.283185307179586f;
constexpr float kPi = 3.14159265358979f;

enum Field { kX, kY, kCos, kSin, kGrow, kValid, kSwept };
constexpr int kEgoFields = 5;
constexpr int kAgentFields = 7;

struct Sizes {
  int64_t steps;   // T+1
  int64_t padded;  // steps rounded up to whole windows
  int64_t row;     // one field row: lead block (its last slot is step -1) + padded steps
  int64_t windows;

  explicit Sizes(int64_t t1)
      : steps(t1),
        padded((t1 + kWindow - 1) / kWindow * kWindow),
        row(padded + kLead),
        windows((t1 + kWindow - 1) / kWindow) {}
};

// Bounds: min x, max x, min y, max y. Empty: +max, -max (its gap to anything overflows to inf).
struct Bound {
  float x0 = FLT_MAX, x1 = -FLT_MAX, y0 = FLT_MAX, y1 = -FLT_MAX;

  void add(float xa, float xb, float ya, float yb) {
    x0 = std::min(x0, xa);
    x1 = std::max(x1, xb);
    y0 = std::min(y0, ya);
    y1 = std::max(y1, yb);
  }
  void add(const float* b) { add(b[0], b[1], b[2], b[3]); }
  bool empty() const { return x0 > x1; }
  // Grown by a slack far above float32 rounding of the exact tests, so that a contact those
  // tests report (touching included) is never cut by the bound's own rounding.
  void store(float* out) const {
    float slack = 0.f;
    if (!empty()) {
      const float extent =
          std::max(std::max(std::fabs(x0), std::fabs(x1)), std::max(std::fabs(y0), std::fabs(y1)));
      slack = 1e-3f + 1e-5f * extent;
    }
    out[0] = x0 - slack;
    out[1] = x1 + slack;
    out[2] = y0 - slack;
    out[3] = y1 + slack;
  }
};

// Whether bound q is within `reach` of bound p along both axes (a square, not a disc, around
// the box: a little looser, and free of the branches that compilers make of max(x, 0) in
// scalar code).
TRAJCORE_INLINE bool bounds_near(const float* p, const float* q, float reach) {
  const float gx = max_f(q[0] - p[1], p[0] - q[1]);
  const float gy = max_f(q[2] - p[3], p[2] - q[3]);
  return (gx <= reach) & (gy <= reach);
}

// near[m] = 1 where agent m's bound (four rows of M: min x, max x, min y, max y) is within
// `reach` of `bound` along both axes. Locals and restrict pointers let the compiler vectorise it
// (byte stores may alias anything).
TRAJCORE_INLINE void select_near(const float* __restrict agent_bounds, int64_t M,
                                 const float* bound, float reach, uint8_t* __restrict near) {
  const float bx0 = bound[0], bx1 = bound[1], by0 = bound[2], by1 = bound[3];
  const float* x0 = agent_bounds;
  const float* x1 = agent_bounds + M;
  const float* y0 = agent_bounds + 2 * M;
  const float* y1 = agent_bounds + 3 * M;
  for (int64_t m = 0; m < M; ++m) {
    const float gx = max_f(x0[m] - bx1, bx0 - x1[m]);
    const float gy = max_f(y0[m] - by1, by0 - y1[m]);
    near[m] = (gx <= reach) & (gy <= reach);
  }
}

float wrap_angle(float a) {
  if (std::fabs(a) <= kPi) return a;
  return a - kTwoPi * std::nearbyint(a / kTwoPi);
}

// Minimum and maximum of a window's lanes, by halving in vector registers (a running min stays
// scalar without -ffast-math). Both are exact, so the order changes nothing.
template <bool kMax>
TRAJCORE_INLINE float lane_reduce(const float* lane) {
  static_assert(kWindow == 8 || kWindow == 16, "lane_reduce halves 8 or 16 lanes");
#if defined(__GNUC__)
  typedef float v16 __attribute__((vector_size(64)));
  typedef float v8 __attribute__((vector_size(32)));
  typedef float v4 __attribute__((vector_size(16)));
  v8 m8;
  if constexpr (kWindow == 16) {
    v16 v;
    std::memcpy(&v, lane, sizeof(v));
    const v8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    const v8 b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    m8 = kMax ? (a > b ? a : b) : (a < b ? a : b);
  } else {
    std::memcpy(&m8, lane, sizeof(m8));
  }
  const v4 c = __builtin_shufflevector(m8, m8, 0, 1, 2, 3);
  const v4 d = __builtin_shufflevector(m8, m8, 4, 5, 6, 7);
  const v4 m4 = kMax ? (c > d ? c : d) : (c < d ? c : d);
  if (kMax) return max_f(max_f(m4[0], m4[1]), max_f(m4[2], m4[3]));
  return min_f(min_f(m4[0], m4[1]), min_f(m4[2], m4[3]));
#else
  float m = lane[0];
  for (int i = 1; i < kWindow; ++i) m = kMax ? max_f(m, lane[i]) : min_f(m, lane[i]);
  return m;
#endif
}
TRAJCORE_INLINE float lane_min(const float* lane) { return lane_reduce<false>(lane); }
TRAJCORE_INLINE float lane_max(const float* lane) { return lane_reduce<true>(lane); }

// Fills one object's track rows from its poses (x, y, yaw at `pose + t * stride`). Agents'
// valid row must be filled already (steps not valid are not read); the ego has none (every
// step is read). Returns 0 if a read pose is not finite.
TRAJCORE_INLINE int fill_track(float* track, const Sizes& sz, const float* pose, int64_t stride,
                               int n_fields, float hl, float hw, bool swept) {
  float* x = track + kX * sz.row + kLead;
  float* y = track + kY * sz.row + kLead;
  float* c = track + kCos * sz.row + kLead;
  float* s = track + kSin * sz.row + kLead;
  float* g = track + kGrow * sz.row + kLead;  // holds the yaw until the growth replaces it
  const float* v = n_fields > kValid ? track + kValid * sz.row + kLead : nullptr;
  float* sw = n_fields > kSwept ? track + kSwept * sz.row + kLead : nullptr;
  const int64_t steps = sz.steps;
  for (int64_t t = 0; t < steps; ++t) {
    const float* q = pose + t * stride;
    x[t] = q[0];
    y[t] = q[1];
    g[t] = q[2];
  }
  int ok = 1;
  for (int64_t t = 0; t < steps; ++t) {
    // |v| <= FLT_MAX is false for NaN and inf. Unread (invalid) steps become 0: finite.
    const int finite =
        (fabsf(x[t]) <= FLT_MAX) & (fabsf(y[t]) <= FLT_MAX) & (fabsf(g[t]) <= FLT_MAX);
    const int read = v == nullptr || v[t] > 0.f;
    ok &= (read ^ 1) | finite;
    x[t] = read ? x[t] : 0.f;
    y[t] = read ? y[t] : 0.f;
    g[t] = read ? g[t] : 0.f;
  }
  sincos_headings(g, static_cast<long>(steps), s, c);
  if (swept) {
    // Growth covering the turn from t-1 to t (in place, from the back: g[t-1] is still a yaw).
    for (int64_t t = steps - 1; t >= 1; --t) {
      const bool both = v == nullptr || (v[t] > 0.f && v[t - 1] > 0.f);
      g[t] = both ? turn_growth(wrap_angle(g[t] - g[t - 1]), hl, hw) : 0.f;
      if (sw) sw[t] = both ? 1.f : 0.f;
    }
  } else {
    std::fill(g, g + steps, 0.f);
    if (sw) std::fill(sw, sw + steps, 0.f);
  }
  g[0] = 0.f;
  if (sw) sw[0] = 0.f;
  // Padding after the last step and the lead slot before step 0: copies that are never valid.
  for (int f = 0; f < n_fields; ++f) {
    float* r = track + f * sz.row + kLead;
    const bool flag = f == kGrow || f == kValid || f == kSwept;
    for (int64_t t = steps; t < sz.padded; ++t) r[t] = flag ? 0.f : r[steps - 1];
    r[-1] = flag ? 0.f : r[0];
  }
  return ok;
}

// Window bounds of a filled track: every valid step's box and, when swept, every swept step's
// region (the grown start box at both centres, which also covers the step's own box).
TRAJCORE_INLINE void track_bounds(const float* track, const Sizes& sz, int n_fields, float hl,
                                  float hw, bool swept, float* bounds, int64_t window_stride) {
  const float* x = track + kX * sz.row + kLead;
  const float* y = track + kY * sz.row + kLead;
  const float* c = track + kCos * sz.row + kLead;
  const float* s = track + kSin * sz.row + kLead;
  const float* g = track + kGrow * sz.row + kLead;
  const float* v = n_fields > kValid ? track + kValid * sz.row + kLead : nullptr;
  const float* sw = n_fields > kSwept ? track + kSwept * sz.row + kLead : nullptr;
  for (int64_t w = 0; w < sz.windows; ++w) {
    float x0[kWindow], x1[kWindow], y0[kWindow], y1[kWindow];
    const int64_t t0 = w * kWindow;
    for (int i = 0; i < kWindow; ++i) {  // padding lanes are invalid (agents) or copies (ego)
      const int64_t t = t0 + i;
      const float ca = fabsf(c[t]), sa = fabsf(s[t]);
      const float hx = hl * ca + hw * sa, hy = hl * sa + hw * ca;
      const bool in = !v || v[t] > 0.f;
      x0[i] = in ? x[t] - hx : FLT_MAX;
      x1[i] = in ? x[t] + hx : -FLT_MAX;
      y0[i] = in ? y[t] - hy : FLT_MAX;
      y1[i] = in ? y[t] + hy : -FLT_MAX;
    }
    if (swept) {
      for (int i = 0; i < kWindow; ++i) {
        const int64_t t = t0 + i;  // t - 1 is the lead slot for t = 0, never swept-valid
        const float cp = fabsf(c[t - 1]), sp = fabsf(s[t - 1]);
        const float gl = hl + g[t], gw = hw + g[t];
        const float gx = gl * cp + gw * sp, gy = gl * sp + gw * cp;
        const bool in = t > 0 && (sw ? sw[t] > 0.f : t < sz.steps);
        x0[i] = in ? min_f(x0[i], min_f(x[t - 1], x[t]) - gx) : x0[i];
        x1[i] = in ? max_f(x1[i], max_f(x[t - 1], x[t]) + gx) : x1[i];
        y0[i] = in ? min_f(y0[i], min_f(y[t - 1], y[t]) - gy) : y0[i];
        y1[i] = in ? max_f(y1[i], max_f(y[t - 1], y[t]) + gy) : y1[i];
      }
    }
    Bound bound;
    bound.add(lane_min(x0), lane_max(x1), lane_min(y0), lane_max(y1));
    bound.store(bounds + w * window_stride);
  }
}

struct Half {
  float l, w;
};

// Per lane, the largest overlap of a valid step seen so far (-FLT_MAX: none), reduced once per
// candidate. In a vector register where the compiler has vector types: as an array it would be
// reloaded and stored by every call, lane by lane (GCC does not vectorise that update).
struct LaneMax {
#if defined(__GNUC__)
  typedef float Lanes __attribute__((vector_size(4 * kWindow)));
  Lanes v = Lanes{} - FLT_MAX;
  TRAJCORE_INLINE void raise(const float* valid, const float* overlap) {
    Lanes ok, value;
    std::memcpy(&ok, valid, sizeof(ok));
    std::memcpy(&value, overlap, sizeof(value));
    const Lanes none = Lanes{} - FLT_MAX;
    const Lanes candidate = ok > 0.f ? value : none;
    v = candidate > v ? candidate : v;
  }
  TRAJCORE_INLINE float max() const {
    float lane[kWindow];
    std::memcpy(lane, &v, sizeof(lane));
    return lane_max(lane);
  }
#else
  float v[kWindow] = {};
  LaneMax() { std::fill(v, v + kWindow, -FLT_MAX); }
  void raise(const float* valid, const float* overlap) {
    for (int i = 0; i < kWindow; ++i) v[i] = max_f(v[i], valid[i] > 0.f ? overlap[i] : -FLT_MAX);
  }
  float max() const { return lane_max(v); }
#endif
};

// The step boxes of one candidate and one agent mode over the steps [t0, t0 + kWindow), as
// structure-of-arrays pointers.
struct WindowPair {
  const float *ex, *ey, *ec, *es, *ax, *ay, *ac, *as, *av;
  Half eh, ah;

  TRAJCORE_INLINE WindowPair(const float* ego, const float* agent, int64_t row, int64_t t0, Half e,
                             Half a)
      : ex(ego + kX * row + kLead + t0),
        ey(ego + kY * row + kLead + t0),
        ec(ego + kCos * row + kLead + t0),
        es(ego + kSin * row + kLead + t0),
        ax(agent + kX * row + kLead + t0),
        ay(agent + kY * row + kLead + t0),
        ac(agent + kCos * row + kLead + t0),
        as(agent + kSin * row + kLead + t0),
        av(agent + kValid * row + kLead + t0),
        eh(e),
        ah(a) {}

  TRAJCORE_INLINE Obb ego(int i) const { return Obb{ex[i], ey[i], ec[i], es[i], eh.l, eh.w}; }
  TRAJCORE_INLINE Obb agent(int i) const { return Obb{ax[i], ay[i], ac[i], as[i], ah.l, ah.w}; }

  // Separating-axis overlap per lane (>= 0: the boxes overlap, by that penetration depth).
  TRAJCORE_INLINE void overlaps(float* overlap) const {
    for (int i = 0; i < kWindow; ++i) overlap[i] = obb_min_axis_overlap(ego(i), agent(i));
  }
};

// Collision pass over one (candidate, agent mode, window): hit[i] = 1 where step t0 + i collides
// (with `swept`, also where they touch while moving from step t0 + i - 1). With `deepest`, raises
// it to the overlaps of valid lanes: where the largest is >= 0, minus it is the box distance of
// that pair, bit for bit. Straight-line code over the lanes, which the compiler vectorises.
TRAJCORE_INLINE void window_hits(const float* ego, const float* agent, int64_t row, int64_t t0,
                                 Half eh, Half ah, bool swept, LaneMax* deepest, uint8_t* hit) {
  const WindowPair w(ego, agent, row, t0, eh, ah);
  float overlap[kWindow];
  w.overlaps(overlap);
  for (int i = 0; i < kWindow; ++i) hit[i] = (w.av[i] > 0.f) & (overlap[i] >= 0.f);
  if (deepest != nullptr) deepest->raise(w.av, overlap);
  if (swept) {
    const float* eg = ego + kGrow * row + kLead + t0;
    const float* ag = agent + kGrow * row + kLead + t0;
    const float* asw = agent + kSwept * row + kLead + t0;
    float contact[kWindow];
    for (int i = 0; i < kWindow; ++i) {
      // Lane i covers the motion from step t0 + i - 1 (index i - 1, the lead slot for i = 0).
      const Obb e0{w.ex[i - 1], w.ey[i - 1], w.ec[i - 1], w.es[i - 1], eh.l + eg[i], eh.w + eg[i]};
      const Obb a0{w.ax[i - 1], w.ay[i - 1], w.ac[i - 1], w.as[i - 1], ah.l + ag[i], ah.w + ag[i]};
      contact[i] = swept_min_axis_overlap(e0, w.ex[i], w.ey[i], a0, w.ax[i], w.ay[i]);
    }
    for (int i = 0; i < kWindow; ++i) {  // swept-valid is 0 at step 0: no motion before it
      hit[i] |= (asw[i] > 0.f) & (contact[i] >= 0.f);
    }
  }
}

// Clearance pass over one (candidate, agent mode, window) that never overlap: lowers *best to
// the smallest box distance where a step may beat it (-overlap is a lower bound of the distance).
TRAJCORE_INLINE void window_clearance(const float* ego, const float* agent, int64_t row, int64_t t0,
                                      Half eh, Half ah, float* best) {
  const WindowPair w(ego, agent, row, t0, eh, ah);
  float overlap[kWindow];
  w.overlaps(overlap);
  const float limit = *best;
  int may_beat = 0;
  for (int i = 0; i < kWindow; ++i) may_beat |= (w.av[i] > 0.f) & (0.f - overlap[i] < limit);
  if (!may_beat) return;
  float lane[kWindow];
  for (int i = 0; i < kWindow; ++i) {
    const float d = obb_distance_from_overlap(w.ego(i), w.agent(i), overlap[i]);
    lane[i] = w.av[i] > 0.f ? d : FLT_MAX;
  }
  *best = min_f(*best, lane_min(lane));
}

// Index of the first nonzero flag of a window, kWindow if none. Branch-free on little-endian
// targets: the flags read as 8-byte words, whose lowest set byte is the earliest step.
TRAJCORE_INLINE int first_flag(const uint8_t* hit) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  int lane = kWindow;
  for (int word = kWindow / 8 - 1; word >= 0; --word) {
    uint64_t flags;
    std::memcpy(&flags, hit + 8 * word, 8);
    const int in_word = (flags != 0 ? __builtin_ctzll(flags) : 64) / 8;
    lane = in_word < 8 ? 8 * word + in_word : lane;
  }
  return lane;
#else
  int lane = 0;
  while (lane < kWindow && !hit[lane]) ++lane;
  return lane;
#endif
}

struct Context {
  const CollisionRequest* request;
  const CollisionPlan* plan;
  Sizes sz;
  CollisionOptions options;
  const CollisionWorkspace::Impl* ws;
  CollisionOutputs out;
};

// Per-thread scratch of the candidate kernel (grows to the largest request, then stays).
struct CandidateScratch {
  AlignedVector<float> track;
  std::vector<float> bounds;
  std::vector<int32_t> first;                   // (M, K) first colliding step
  std::vector<uint8_t> near;                    // (M) agents that pass the window's broad phase
  std::vector<uint8_t> row_hits;                // (padded steps) collision flags
  std::vector<int32_t> list_track, list_agent;  // (M * K) modes to test in a window
};

// The valid row (1 or 0 per step) of mode k of agent m in scene b, from agent_valid's form.
TRAJCORE_INLINE void fill_valid(const CollisionPlan& p, const bool* valid, int64_t b, int64_t m,
                                int64_t k, float* v) {
  const bool* src = nullptr;
  switch (p.valid_form) {
    case ValidForm::kNone:
      std::fill(v, v + p.T1, 1.f);
      return;
    case ValidForm::kAgent:
      std::fill(v, v + p.T1, valid[b * p.M + m] ? 1.f : 0.f);
      return;
    case ValidForm::kStep:
      src = valid + (b * p.M + m) * p.T1;
      break;
    case ValidForm::kModeStep:
      src = valid + ((b * p.M + m) * p.K + k) * p.T1;
      break;
  }
  for (int64_t t = 0; t < p.T1; ++t) v[t] = src[t] ? 1.f : 0.f;
}

// Agent bm = b * M + m: its modes' tracks and bounds, and its bound per window over the modes.
TRAJCORE_CPU_CLONES int prepare_agent(const Context& cx, CollisionWorkspace::Impl& ws, int64_t bm) {
  const CollisionPlan& p = *cx.plan;
  const Sizes& sz = cx.sz;
  const int64_t b = bm / p.M, m = bm % p.M;
  const float hl = ws.agent_half[bm * 2], hw = ws.agent_half[bm * 2 + 1];
  const bool* valid = cx.request->agent_valid.data;
  int ok = 1;
  for (int64_t k = 0; k < p.K; ++k) {
    const int64_t track = bm * p.K + k;
    float* rows = ws.agent_tracks.data() + track * kAgentFields * sz.row;
    fill_valid(p, valid, b, m, k, rows + kValid * sz.row + kLead);
    ok &= fill_track(rows, sz, cx.request->agents.data + track * sz.steps * 3, 3, kAgentFields, hl,
                     hw, cx.options.swept);
    const float* v = rows + kValid * sz.row + kLead;
    ws.mode_valid[track] = std::any_of(v, v + sz.steps, [](float f) { return f > 0.f; });
    // Mode bounds are laid out (B, windows, M, K, 4): one window's modes of an agent together.
    track_bounds(rows, sz, kAgentFields, hl, hw, cx.options.swept,
                 ws.mode_bounds.data() + ((b * sz.windows) * p.M * p.K + m * p.K + k) * 4,
                 p.M * p.K * 4);
  }
  for (int64_t w = 0; w < sz.windows; ++w) {
    Bound bound;
    for (int64_t k = 0; k < p.K; ++k) {
      const float* mb =
          ws.mode_bounds.data() + ((b * sz.windows + w) * p.M * p.K + m * p.K + k) * 4;
      if (mb[0] <= mb[1]) bound.add(mb);
    }
    float* ab = ws.agent_bounds.data() + (b * sz.windows + w) * 4 * p.M + m;
    // Already slack-grown mode bounds: store without more slack.
    ab[0] = bound.x0;
    ab[p.M] = bound.x1;
    ab[2 * p.M] = bound.y0;
    ab[3 * p.M] = bound.y1;
  }
  return ok;
}

// Candidate bn = b * N + n: all result fields. Returns 0 if one of its poses is not finite.
TRAJCORE_CPU_CLONES int check_candidate(const Context& cx, int64_t bn, CandidateScratch& scratch) {
  const CollisionPlan& p = *cx.plan;
  const Sizes& sz = cx.sz;
  const CollisionWorkspace::Impl& ws = *cx.ws;
  const int64_t b = bn / p.N;
  const bool swept = cx.options.swept;
  const bool clearance = cx.out.min_clearance.data != nullptr;
  const Half eh{ws.scene_half[b * 2], ws.scene_half[b * 2 + 1]};

  float* ego = scratch.track.data();
  const int ok = fill_track(ego, sz, cx.request->ego.data + bn * sz.steps * p.S, p.S, kEgoFields,
                            eh.l, eh.w, swept);
  if (!ok) return 0;
  track_bounds(ego, sz, kEgoFields, eh.l, eh.w, swept, scratch.bounds.data(), 4);

  // Sizes and pointers as locals: the byte stores below may alias anything reached through a
  // pointer, which would make the compiler reload them at every use.
  const int64_t M = p.M, K = p.K, windows = sz.windows, row = sz.row;
  const float* agent_bounds = ws.agent_bounds.data() + b * windows * 4 * M;
  const float* mode_bounds = ws.mode_bounds.data() + b * windows * M * K * 4;
  const float* agent_tracks = ws.agent_tracks.data() + b * M * K * kAgentFields * row;
  const float* agent_half = ws.agent_half.data() + b * M * 2;
  const float* ego_bounds = scratch.bounds.data();
  int32_t* first = scratch.first.data();
  std::fill(first, first + M * K, -1);
  uint8_t* row_hits = scratch.row_hits.data();  // per step, padded; each window stored once
  uint8_t* near = scratch.near.data();

  int32_t* list_track = scratch.list_track.data();
  int32_t* list_agent = scratch.list_agent.data();
  // The modes of window w whose bound is within `reach` of the candidate's, appended without
  // branching on the test.
  auto list_modes = [&](int64_t w, float reach) {
    const float* eb = ego_bounds + w * 4;
    select_near(agent_bounds + w * 4 * M, M, eb, reach, near);
    int64_t listed = 0;
    for (int64_t m = 0; m < M; ++m) {
      if (!near[m]) continue;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t track = m * K + k;
        list_track[listed] = static_cast<int32_t>(track);
        list_agent[listed] = static_cast<int32_t>(m);
        listed += bounds_near(eb, mode_bounds + (w * M * K + track) * 4, reach);
      }
    }
    return listed;
  };

  // Collision pass: only touching bounds can collide. The deepest overlap comes with it.
  LaneMax deepest_overlap;
  for (int64_t w = 0; w < windows; ++w) {
    const int64_t listed = list_modes(w, 0.f);
    // The window's flags, OR-ed over its modes in registers (as 8-byte words) and stored once;
    // each mode keeps its first colliding step. No branch on the outcome: it is unpredictable.
    uint64_t window_flags[kWindow / 8] = {};
    for (int64_t j = 0; j < listed; ++j) {
      const int64_t track = list_track[j], m = list_agent[j];
      const Half ah{agent_half[m * 2], agent_half[m * 2 + 1]};
      uint8_t hit[kWindow];
      window_hits(ego, agent_tracks + track * kAgentFields * row, row, w * kWindow, eh, ah, swept,
                  clearance ? &deepest_overlap : nullptr, hit);
      for (int word = 0; word < kWindow / 8; ++word) {
        uint64_t flags;
        std::memcpy(&flags, hit + 8 * word, 8);
        window_flags[word] |= flags;
      }
      const int lane = first_flag(hit);
      const int32_t found = lane < kWindow ? static_cast<int32_t>(w * kWindow + lane) : -1;
      first[track] = first[track] < 0 ? found : first[track];
    }
    std::memcpy(row_hits + w * kWindow, window_flags, kWindow);
  }

  // Clearance: with an overlap at some step it is minus the deepest penetration (any pair
  // that does not overlap is at a distance >= 0). Otherwise a pass over the pairs within the
  // best distance so far, which only falls, so later windows and modes prune harder.
  const float overlap = deepest_overlap.max();
  float best = cx.options.clearance_cap;
  if (clearance && overlap >= 0.f) best = min_f(best, 0.f - overlap);
  if (clearance && overlap < 0.f) {
    for (int64_t w = 0; w < windows; ++w) {
      const int64_t listed = list_modes(w, best);
      for (int64_t j = 0; j < listed; ++j) {
        const int64_t track = list_track[j], m = list_agent[j];
        if (!bounds_near(ego_bounds + w * 4, mode_bounds + (w * M * K + track) * 4, best)) continue;
        const Half ah{agent_half[m * 2], agent_half[m * 2 + 1]};
        window_clearance(ego, agent_tracks + track * kAgentFields * row, row, w * kWindow, eh, ah,
                         &best);
      }
    }
  }

  // Results. Agents are independent: P(no collision) = prod over agents of (1 - colliding mass).
  int32_t first_any = -1;
  double survive = 1.0;
  const double* prob = ws.prob.data() + b * M * K;
  for (int64_t m = 0; m < M; ++m) {
    double mass = 0.0;
    for (int64_t k = 0; k < K; ++k) {  // adding 0.0 changes nothing: no branch needed
      const int32_t f = first[m * K + k];
      mass += f >= 0 ? prob[m * K + k] : 0.0;
      first_any = f >= 0 && (first_any < 0 || f < first_any) ? f : first_any;
    }
    survive *= 1.0 - mass;
  }
  bool* collides = cx.out.collides.data + bn * sz.steps;
  for (int64_t t = 0; t < sz.steps; ++t) collides[t] = row_hits[t] != 0;
  cx.out.first_step.data[bn] = first_any;
  cx.out.collision_prob.data[bn] = static_cast<float>(1.0 - survive);
  if (cx.out.agent_first_step.data != nullptr) {
    std::copy(first, first + p.M * p.K, cx.out.agent_first_step.data + bn * p.M * p.K);
  }
  if (clearance) cx.out.min_clearance.data[bn] = best;
  return 1;
}

// agent_valid's elements for its form (0 when absent).
int64_t valid_count(const CollisionPlan& p) {
  switch (p.valid_form) {
    case ValidForm::kNone:
      return 0;
    case ValidForm::kAgent:
      return p.B * p.M;
    case ValidForm::kStep:
      return p.B * p.M * p.T1;
    case ValidForm::kModeStep:
      return p.B * p.M * p.K * p.T1;
  }
  return 0;
}

// Whether the workspace's agent tracks were prepared from exactly these agents (poses, validity,
// half extents with margins, swept option).
bool prepared_from_same(const CollisionRequest& rq, const CollisionPlan& p,
                        const CollisionWorkspace::Impl& ws) {
  const auto& f = ws.prepared_from;
  if (!f.ready || f.B != p.B || f.M != p.M || f.K != p.K || f.T1 != p.T1 ||
      f.valid_form != p.valid_form || f.swept != rq.options.swept) {
    return false;
  }
  const size_t poses = static_cast<size_t>(p.B * p.M * p.K * p.T1 * 3);
  const size_t valid = static_cast<size_t>(valid_count(p));
  // memcmp of zero bytes may still not be given null pointers (no agents: empty vectors).
  auto same = [](const void* a, const void* b, size_t bytes) {
    return bytes == 0 || std::memcmp(a, b, bytes) == 0;
  };
  return same(f.half.data(), ws.agent_half.data(), f.half.size() * sizeof(float)) &&
         same(f.agents.data(), rq.agents.data, poses * sizeof(float)) &&
         same(f.valid.data(), rq.agent_valid.data, valid);
}

void remember_prepared(const CollisionRequest& rq, const CollisionPlan& p,
                       CollisionWorkspace::Impl& ws) {
  auto& f = ws.prepared_from;
  f.B = p.B;
  f.M = p.M;
  f.K = p.K;
  f.T1 = p.T1;
  f.valid_form = p.valid_form;
  f.swept = rq.options.swept;
  f.half = ws.agent_half;
  f.agents.assign(rq.agents.data, rq.agents.data + p.B * p.M * p.K * p.T1 * 3);
  const auto* valid = reinterpret_cast<const uint8_t*>(rq.agent_valid.data);
  f.valid.assign(valid, valid + valid_count(p));
  f.ready = true;
}

// Runs fn(i) -> ok for i in [0, n) in chunks of `grain`; true if every item was ok.
template <class Fn>
bool run_items(int64_t n, int64_t grain, std::vector<char>& chunk_ok, Fn fn) {
  const int64_t n_chunks = (n + grain - 1) / grain;
  chunk_ok.assign(static_cast<size_t>(n_chunks), 1);
  parallel_for(n, grain, [&](int64_t begin, int64_t end) {
    int ok = 1;
    for (int64_t i = begin; i < end; ++i) ok &= fn(i);
    chunk_ok[static_cast<size_t>(begin / grain)] = static_cast<char>(ok);
  });
  return std::all_of(chunk_ok.begin(), chunk_ok.end(), [](char c) { return c != 0; });
}

}  // namespace

void check_collisions_cpu(const CollisionRequest& request, const CollisionPlan& plan,
                          const CollisionOutputs& outputs, CollisionWorkspace::Impl& ws) {
  const CollisionPlan& p = plan;
  const Context cx{&request, &plan, Sizes(p.T1), request.options, &ws, outputs};
  const Sizes& sz = cx.sz;
  const float margin = request.options.margin;

  ws.scene_half.resize(static_cast<size_t>(p.B * 2));
  for (int64_t b = 0; b < p.B; ++b) {
    const float* e = request.ego_extent.data + (p.shared_ego_extent ? 0 : b * 2);
    ws.scene_half[b * 2] = 0.5f * e[0] + margin;
    ws.scene_half[b * 2 + 1] = 0.5f * e[1] + margin;
  }
  ws.agent_half.resize(static_cast<size_t>(p.B * p.M * 2));
  for (int64_t i = 0; i < p.B * p.M * 2; ++i) {
    ws.agent_half[i] = 0.5f * request.agent_extent.data[i] + margin;
  }

  const int64_t tracks = p.B * p.M * p.K;
  ws.prob.resize(static_cast<size_t>(tracks));
  if (!prepared_from_same(request, plan, ws)) {
    ws.prepared_from.ready = false;
    ws.agent_tracks.resize(static_cast<size_t>(tracks * kAgentFields * sz.row));
    ws.mode_bounds.resize(static_cast<size_t>(tracks * sz.windows * 4));
    ws.agent_bounds.resize(static_cast<size_t>(p.B * sz.windows * 4 * p.M));
    ws.mode_valid.resize(static_cast<size_t>(tracks));
    if (!run_items(p.B * p.M, kAgentGrain, ws.chunk_ok,
                   [&](int64_t bm) { return prepare_agent(cx, ws, bm); })) {
      throw_invalid_agents(request, plan);
    }
    remember_prepared(request, plan, ws);
  }
  normalise_probabilities(request, plan, ws.mode_valid.data(), ws.prob.data());

  const bool ok = run_items(p.B * p.N, kCandidateGrain, ws.chunk_ok, [&](int64_t bn) {
    thread_local CandidateScratch scratch;
    scratch.track.resize(static_cast<size_t>(kEgoFields * sz.row));
    scratch.bounds.resize(static_cast<size_t>(sz.windows * 4));
    scratch.first.resize(static_cast<size_t>(p.M * p.K));
    scratch.near.resize(static_cast<size_t>(p.M));
    scratch.row_hits.resize(static_cast<size_t>(sz.padded));
    scratch.list_track.resize(static_cast<size_t>(p.M * p.K));
    scratch.list_agent.resize(static_cast<size_t>(p.M * p.K));
    return check_candidate(cx, bn, scratch);
  });
  if (!ok) throw_invalid_ego(request, plan);
}

}  // namespace detail
}  // namespace trajcore
