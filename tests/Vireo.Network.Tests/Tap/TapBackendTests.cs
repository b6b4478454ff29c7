using System.Diagnostics;
using Vireo.Network.Packets;
using Vireo.Network.Tap;

namespace Vireo.Network.Tests.Tap;

public sealed class TapBackendTests
{
    [Fact]
    public void Bad_interface_names_are_refused_before_touching_the_device()
    {
        Assert.Contains("1 to 15", Assert.Throws<NetworkOptionsException>(() => new TapBackend("")).Message,
            StringComparison.Ordinal);
        Assert.Contains("1 to 15",
            Assert.Throws<NetworkOptionsException>(() => new TapBackend("0123456789abcdefg")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Tap_exchanges_frames_with_the_host_kernel_or_explains_why_it_cannot()
    {
        string name = $"vtap{Environment.ProcessId % 100000}";
        TapBackend tap;
        try
        {
            tap = new TapBackend(name);
        }
        catch (NetworkOptionsException error)
        {
            // Unprivileged host: the message must say what is missing, in one line.
            Assert.Matches("/dev/net/tun|permission|CAP_NET_ADMIN", error.Message);
            Assert.DoesNotContain('\n', error.Message);
            return;
        }

        using (tap)
        {
            Assert.Equal(name, tap.InterfaceName);
            Assert.True(Run($"link set {name} up") && Run($"addr add 192.168.213.1/24 dev {name}"),
                "configuring the TAP interface with ip(8) failed");
            var guest = new FrameCollector();
            tap.Attach(guest);
            var guestMac = new MacAddress(0x0200_0000_0042UL);
            byte[] arp = new byte[ArpPacket.Length];
            new ArpPacket(ArpPacket.OpRequest, guestMac, 0xC0A8D502, default, 0xC0A8D501).Write(arp);
            byte[] frame = GuestPackets.Ethernet(MacAddress.Broadcast, EthernetHeader.TypeArp, arp, guestMac);
            tap.Send(frame);
            byte[]? reply = guest.Next(f => EthernetHeader.TryRead(f, out EthernetHeader e) &&
                e.EtherType == EthernetHeader.TypeArp && ArpPacket.TryRead(f.AsSpan(14), out ArpPacket a) &&
                a.Operation == ArpPacket.OpReply);
            Assert.NotNull(reply);
            Assert.True(ArpPacket.TryRead(reply.AsSpan(14), out ArpPacket answer));
            Assert.Equal(0xC0A8D501u, answer.SenderIp);
            Assert.Equal(guestMac, answer.TargetMac);
        }
    }

    private static bool Run(string arguments)
    {
        using Process? process = Process.Start(new ProcessStartInfo("ip", arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        });
        if (process is null)
        {
            return false;
        }

        process.WaitForExit(5000);
        return process.ExitCode == 0;
    }
}
