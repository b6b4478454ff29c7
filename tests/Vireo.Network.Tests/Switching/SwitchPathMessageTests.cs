using Vireo.Network.Switching;

namespace Vireo.Network.Tests.Switching;

/// <summary>A missing switch socket or directory is named as missing, not as an address error from the socket layer.</summary>
public sealed class SwitchPathMessageTests
{
    [Fact]
    public void Joining_a_switch_whose_socket_does_not_exist_says_so()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vireo-missing-{Guid.NewGuid():N}.sock");
        var error = Assert.Throws<NetworkOptionsException>(() => new SwitchClientBackend(path));
        Assert.Contains($"{path} does not exist", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("assign", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Joining_a_directory_says_it_is_a_directory()
    {
        var error = Assert.Throws<NetworkOptionsException>(() => new SwitchClientBackend(Path.GetTempPath()));
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serving_in_a_missing_directory_names_the_directory()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"vireo-missing-{Guid.NewGuid():N}");
        var error = Assert.Throws<NetworkOptionsException>(
            () => new SwitchServer(Path.Combine(directory, "sock"), new VirtualSwitch()));
        Assert.Contains($"directory {directory} does not exist", error.Message, StringComparison.Ordinal);
    }
}
