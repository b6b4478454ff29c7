using Vireo.Host.Specs;

namespace Vireo.Host.Tests.Specs;

public sealed class VmSpecValidatorTests
{
    [Fact]
    public void AValidSpecHasNoErrors()
    {
        Assert.Empty(VmSpecValidator.Validate(new VmSpec { Name = "vm1" }, checkFiles: false));
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceWithItsFieldPath()
    {
        var spec = new VmSpec
        {
            Name = "Bad Name",
            Cpus = 0,
            Memory = 1000,
            Engine = "kvm",
            Disks = [new VmDiskSpec { Path = "/a.img" }, new VmDiskSpec { Path = "/nonexistent/b.img", Cache = "sometimes" }, new VmDiskSpec { Path = "/a.img" }],
            Nics = [new VmNicSpec { Backend = "carrier-pigeon" }, new VmNicSpec { Mac = "ff:ff:ff:ff:ff:ff" }],
        };

        IReadOnlyList<SpecError> errors = VmSpecValidator.Validate(spec, checkFiles: true);
        string[] paths = [.. errors.Select(static e => e.Path)];

        Assert.Contains("name", paths);
        Assert.Contains("cpus", paths);
        Assert.Contains("memory", paths);
        Assert.Contains("engine", paths);
        Assert.Contains("disks[1].cache", paths);
        Assert.Contains(errors, static e => e.Path == "disks[1].path" && e.Message.EndsWith("no such file", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Path == "disks[2].path" && e.Message.Contains("already attached as disks[0]", StringComparison.Ordinal));
        Assert.Contains("nics[0].backend", paths);
        Assert.Contains("nics[1].mac", paths);
    }

    [Fact]
    public void FilesAreOnlyCheckedWhenAsked()
    {
        var spec = new VmSpec { Name = "vm1", Kernel = "/nonexistent/Image" };
        Assert.Empty(VmSpecValidator.Validate(spec, checkFiles: false));
        SpecError error = Assert.Single(VmSpecValidator.Validate(spec, checkFiles: true));
        Assert.Equal("kernel", error.Path);
    }

    [Fact]
    public void ADirectoryIsNotAKernel()
    {
        SpecError error = Assert.Single(VmSpecValidator.Validate(new VmSpec { Name = "vm1", Kernel = Path.GetTempPath() }, checkFiles: true));
        Assert.EndsWith("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongACommandLineIsRefused()
    {
        SpecError error = Assert.Single(VmSpecValidator.Validate(new VmSpec { Name = "vm1", Append = new string('x', 3000) }, checkFiles: false));
        Assert.Equal("append", error.Path);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("web-01.prod_x", true)]
    [InlineData("-a", false)]
    [InlineData("../etc", false)]
    [InlineData("UPPER", false)]
    [InlineData("", false)]
    public void NamesFollowOnePattern(string name, bool valid)
    {
        Assert.Equal(valid, VmSpecValidator.IsValidName(name));
    }
}
