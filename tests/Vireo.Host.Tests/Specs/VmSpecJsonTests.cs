using Vireo.Host.Specs;

namespace Vireo.Host.Tests.Specs;

public sealed class VmSpecJsonTests
{
    [Fact]
    public void ASpecRoundTripsThroughJson()
    {
        var spec = new VmSpec
        {
            Name = "web-1",
            Project = "team-a",
            Cpus = 2,
            Memory = 512UL << 20,
            Append = "loglevel=8",
            Engine = "interpreter",
            Autostart = true,
            Disks = [new VmDiskSpec { Path = "/var/lib/vireo/images/a.qcow2", Format = "qcow2", Cache = "none", ReadOnly = true }],
            Nics = [new VmNicSpec { Backend = "user,hostfwd=tcp:127.0.0.1:8080-:80", Mac = "52:54:00:12:34:56" }],
        };

        string json = VmSpecJson.Serialize(spec);
        VmSpec back = VmSpecJson.Deserialize(json);

        Assert.Contains("\"read_only\":true", json, StringComparison.Ordinal);
        Assert.Equal(spec.Name, back.Name);
        Assert.Equal(spec.Memory, back.Memory);
        Assert.Equal(spec.Disks[0], back.Disks[0]);
        Assert.Equal(spec.Nics[0], back.Nics[0]);
        Assert.Equal(json, VmSpecJson.Serialize(back));
    }

    [Fact]
    public void EveryEmbeddedSettingRoundTrips()
    {
        var spec = new VmSpec
        {
            Name = "full",
            Disks = [new VmDiskSpec { Path = "/a.img", Limits = new Core.Throttling.DiskLimitOptions(Core.Throttling.RateLimitOptions.PerSecond(20 << 20, 500, 50 << 20), Weight: 300) }],
            Balloon = new Devices.Virtio.Balloon.BalloonOptions { StatsInterval = TimeSpan.FromMilliseconds(500), InitialTargetBytes = 1 << 27 },
            Vsock = new Devices.Virtio.Vsock.VsockOptions(7, "/run/vireo/vm.vsock"),
            PowerButton = false,
        };

        string json = VmSpecJson.Serialize(spec);
        VmSpec back = VmSpecJson.Deserialize(json);

        Assert.Equal(json, VmSpecJson.Serialize(back));
        Assert.Equal(spec.Disks[0].Limits, back.Disks[0].Limits);
        Assert.Equal(spec.Balloon, back.Balloon);
        Assert.Equal(spec.Vsock, back.Vsock);
        Assert.Equal(spec.Cpu, back.Cpu);
        Assert.False(back.PowerButton);
    }

    [Fact]
    public void UnknownFieldsAndWrongTypesNameTheirPath()
    {
        VmSpecException unknown = Assert.Throws<VmSpecException>(() => VmSpecJson.Deserialize("""{"name":"a","cpuz":2}"""));
        Assert.Contains("cpuz", unknown.Message, StringComparison.Ordinal);

        VmSpecException wrongType = Assert.Throws<VmSpecException>(() => VmSpecJson.Deserialize("""{"name":"a","disks":[{"path":7}]}"""));
        Assert.Equal("$.disks[0].path", wrongType.Errors[0].Path);
    }
}
