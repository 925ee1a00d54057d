#pragma once

#include "metrics/plugin_meter_values.hpp"

#include <prometheus/metric_family.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

enum class MeterKind { counter, histogram };

/// Why a plugin may not define the metric `name` of `kind` with `help` and `bounds` (for a
/// histogram), in words that follow "asked for the counter <name>: "; empty if it may. The
/// name must match [a-zA-Z_:][a-zA-Z0-9_:]* and not start with plugin_host_ (the host's);
/// the help must be UTF-8 without control characters but line feeds and tabs; the bounds
/// finite, strictly ascending, and no two written alike in /metrics (the exposition writes
/// a bound with 16 significant digits).
std::string meter_definition_problem(MeterKind kind, std::string_view name, std::string_view help,
                                     const std::vector<double>& bounds);

/// The metrics plugins define through Registrar::counter() and histogram(), shown by GET
/// /metrics. Families by name (a kind, a help text, a histogram's bounds), each with one
/// series per plugin, labelled plugin="<name>", counted by prometheus-cpp's Counter and
/// Histogram (PluginCounter, PluginHistogram). Created by the Host (one for its life),
/// shared through PluginServices with every load; collect() is the collector the Host adds
/// to its MetricsRegistry, so they are rendered with the host's own metrics. They are not
/// families of the library's Registry because a series must count before it is shown (a
/// version loading) and outlive its family's definition (a refused version's), which a
/// Registry's families, showing every series they hold and freeing them with the family,
/// do not allow.
///
/// Series are made on load threads (grant(), through a MeterClaim) and never freed while the
/// registry lives: a plugin holds references to their counters and histograms for its whole
/// life, and the next version of the plugin, asking for the same name, gets the same object,
/// so its count continues across a hot swap. A series is shown once a version that asked for
/// it is placed (expose()); one that only refused versions asked for stays hidden, and its
/// family may then be defined anew (another kind or other bounds), its old objects kept
/// aside. The mutex guards the families; counting (PluginCounter, PluginHistogram) never
/// takes it.
class PluginMeters {
public:
    struct Series;

    /// What grant() gives: the series and its counter or histogram, or a problem.
    struct Grant {
        Series* series = nullptr;
        plugin_api::Counter* counter = nullptr;
        plugin_api::Histogram* histogram = nullptr;
        std::string problem;  ///< why not, if `series` is null (follows "asked for the counter x: ")
    };

    PluginMeters();
    ~PluginMeters();
    PluginMeters(const PluginMeters&) = delete;
    PluginMeters& operator=(const PluginMeters&) = delete;

    /// The series of `plugin` in the family `name`, made if new, and claimed until
    /// release(); or why it cannot be: the family is of another kind, has other bounds, or
    /// its name clashes with a histogram's _bucket, _sum or _count. The definition must
    /// already be valid (meter_definition_problem()). A family keeps the help it was first
    /// defined with. Any thread (a plugin's load thread).
    Grant grant(std::string_view plugin, MeterKind kind, std::string_view name, std::string_view help,
                const std::vector<double>& bounds);

    /// Shows `series` in write() from now on. Any thread (the manager's, as it places a version).
    void expose(const std::vector<Series*>& series);

    /// Ends one claim on each of `series` (one grant() each). Any thread.
    void release(const std::vector<Series*>& series);

    /// Every family with a series shown, with each shown series (labelled plugin); families
    /// by name, series by plugin. Any thread.
    std::vector<prometheus::MetricFamily> collect() const;

private:
    struct Family;

    /// Forgets `family` if nothing shows or claims any of its series (its series are kept
    /// aside, never freed: a refused plugin may still hold them); true if it did.
    bool forget_if_unused(std::map<std::string, Family, std::less<>>::iterator family);

    mutable std::mutex mutex_;
    std::map<std::string, Family, std::less<>> families_;
    std::vector<std::unique_ptr<Series>> set_aside_;
};

/// The series one load of a plugin asked for: made by the PluginRegistrar on the load thread,
/// carried in the PluginLoad, exposed by the PluginManager once that version is placed, and
/// released when destroyed (with the refused version, or after exposing). Move-only.
class MeterClaim {
public:
    MeterClaim() = default;  // claims nothing
    MeterClaim(std::shared_ptr<PluginMeters> meters, std::string plugin)
        : meters_(std::move(meters)), plugin_(std::move(plugin)) {}
    MeterClaim(MeterClaim&& other) noexcept = default;
    MeterClaim& operator=(MeterClaim&& other) noexcept;
    ~MeterClaim();

    /// The plugin's series of `kind` `name`, claimed; see PluginMeters::grant().
    PluginMeters::Grant grant(MeterKind kind, std::string_view name, std::string_view help,
                              const std::vector<double>& bounds);

    /// Shows every series claimed (PluginMeters::expose()).
    void expose();

private:
    std::shared_ptr<PluginMeters> meters_;
    std::string plugin_;
    std::vector<PluginMeters::Series*> series_;
};

}  // namespace plugin_host
