using System.Diagnostics.Metrics;
using Vireo.Host.Lifecycle;

namespace Vireo.Host.Stats;

/// <summary>
/// The per-VM counters as System.Diagnostics.Metrics instruments (meter <see cref="MeterName"/>), each measurement
/// tagged <c>vm</c> (and <c>vcpu</c> / <c>nic</c> where it is per device). Observable: values are read from
/// <see cref="VmHost.GetStats"/> when a listener collects, so nothing is counted twice and an idle daemon does no work.
/// </summary>
public sealed class VmMetrics : IDisposable
{
    /// <summary>The meter's name (what a listener or exporter subscribes to).</summary>
    public const string MeterName = "Vireo.Vm";

    private readonly Meter _meter;
    private readonly Func<IReadOnlyList<VmHost>> _vms;

    /// <summary>Publishes the counters of the VMs <paramref name="vms"/> returns at each collection.</summary>
    public VmMetrics(Func<IReadOnlyList<VmHost>> vms)
    {
        _vms = vms;
        _meter = new Meter(MeterName, "1.0");
        _meter.CreateObservableGauge("vireo_vm_up", () => Each(static s => s.State is VmState.Running or VmState.Paused ? 1 : 0), description: "1 while the VM runs or is paused");
        _meter.CreateObservableGauge("vireo_vm_uptime_seconds", () => Each(static s => s.Uptime.TotalSeconds), unit: "s", description: "Time since the current run booted");
        _meter.CreateObservableGauge("vireo_vm_memory_bytes", () => Each(static s => (double)s.MemoryBytes), unit: "By", description: "Guest RAM size");
        _meter.CreateObservableCounter("vireo_vm_instructions_retired_total", () => Each(static s => (double)s.InstructionsRetired), description: "Guest instructions retired in the current run");
        _meter.CreateObservableCounter("vireo_vm_console_bytes_total", () => Each(static s => (double)s.ConsoleBytes), unit: "By", description: "Console output since the VM was created");
        _meter.CreateObservableCounter("vireo_vm_starts_total", () => Each(static s => (double)s.Starts), description: "Runs started");
        _meter.CreateObservableCounter("vireo_vcpu_cpu_seconds_total", () => PerVcpu(static v => v.HostCpuTime.TotalSeconds), unit: "s", description: "Host CPU time per vCPU in the current run");
        _meter.CreateObservableCounter("vireo_vcpu_wait_seconds_total", () => PerVcpu(static v => v.WaitTime.TotalSeconds), unit: "s", description: "Run-queue wait per vCPU in the current run");
        _meter.CreateObservableCounter("vireo_nic_rx_frames_total", () => PerNic(static n => n.RxFrames), description: "Frames delivered to the guest");
        _meter.CreateObservableCounter("vireo_nic_tx_frames_total", () => PerNic(static n => n.TxFrames), description: "Frames the guest sent");
        _meter.CreateObservableCounter("vireo_nic_rx_dropped_total", () => PerNic(static n => n.RxDropped), description: "Frames dropped on the way to the guest");
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private List<Measurement<double>> Each(Func<VmStats, double> value)
    {
        var result = new List<Measurement<double>>();
        foreach (VmHost vm in _vms())
        {
            result.Add(new Measurement<double>(value(vm.GetStats()), new KeyValuePair<string, object?>("vm", vm.Name)));
        }

        return result;
    }

    private List<Measurement<double>> PerVcpu(Func<VcpuStats, double> value)
    {
        var result = new List<Measurement<double>>();
        foreach (VmHost vm in _vms())
        {
            foreach (VcpuStats vcpu in vm.GetStats().Vcpus)
            {
                result.Add(new Measurement<double>(value(vcpu), new("vm", vm.Name), new("vcpu", vcpu.Index)));
            }
        }

        return result;
    }

    private List<Measurement<long>> PerNic(Func<NicStats, long> value)
    {
        var result = new List<Measurement<long>>();
        foreach (VmHost vm in _vms())
        {
            foreach (NicStats nic in vm.GetStats().Nics)
            {
                result.Add(new Measurement<long>(value(nic), new("vm", vm.Name), new("nic", nic.Index)));
            }
        }

        return result;
    }
}
