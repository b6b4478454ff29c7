using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Vireo.Daemon.Metrics;

/// <summary>
/// Collects the instruments of the meters it is given (System.Diagnostics.Metrics) on demand and writes them in the
/// Prometheus text exposition format (version 0.0.4). Only observable instruments are exported: they are read at
/// scrape time, so the exporter keeps no state between scrapes.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly HashSet<string> _meters;
    private readonly List<Instrument> _instruments = [];
    private List<(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)>? _collecting;

    /// <summary>Exports the meters named <paramref name="meterNames"/>.</summary>
    public PrometheusExporter(params string[] meterNames)
    {
        _meters = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Contains(instrument.Meter.Name))
            {
                lock (_lock)
                {
                    _instruments.Add(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_lock)
            {
                _instruments.Remove(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The content type of <see cref="Scrape"/>'s text.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Reads every instrument now and returns the exposition text.</summary>
    public string Scrape()
    {
        lock (_lock)
        {
            _collecting = [];
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (IGrouping<Instrument, (Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)> group in _collecting.GroupBy(static m => m.Instrument))
            {
                Instrument instrument = group.Key;
                string type = instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal) ? "counter" : "gauge";
                if (instrument.Description is { Length: > 0 } help)
                {
                    text.Append(CultureInfo.InvariantCulture, $"# HELP {instrument.Name} {help}\n");
                }

                text.Append(CultureInfo.InvariantCulture, $"# TYPE {instrument.Name} {type}\n");
                foreach ((_, double value, KeyValuePair<string, object?>[] tags) in group)
                {
                    text.Append(instrument.Name);
                    AppendLabels(text, tags);
                    text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }
            }

            _collecting = null;
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _collecting?.Add((instrument, value, tags.ToArray()));

    private static void AppendLabels(StringBuilder text, KeyValuePair<string, object?>[] tags)
    {
        if (tags.Length == 0)
        {
            return;
        }

        text.Append('{');
        for (int i = 0; i < tags.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(tags[i].Key).Append("=\"");
            foreach (char c in Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty)
            {
                _ = c switch
                {
                    '\\' => text.Append("\\\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append("\\n"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        text.Append('}');
    }
}
