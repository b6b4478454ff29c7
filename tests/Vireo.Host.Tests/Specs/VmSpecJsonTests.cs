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
    public void UnknownFieldsAndWrongTypesNameTheirPath()
    {
        VmSpecException unknown = Assert.Throws<VmSpecException>(() => VmSpecJson.Deserialize("""{"name":"a","cpuz":2}"""));
        Assert.Contains("cpuz", unknown.Message, StringComparison.Ordinal);

        VmSpecException wrongType = Assert.Throws<VmSpecException>(() => VmSpecJson.Deserialize("""{"name":"a","disks":[{"path":7}]}"""));
        Assert.Equal("$.disks[0].path", wrongType.Errors[0].Path);
    }
}
