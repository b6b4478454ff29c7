using Vireo.Core.Interrupts;
using Vireo.Machine.Devices;

namespace Vireo.Machine.Tests.Devices;

public sealed class PlicTests
{
    private readonly RecordingHartPins[] _harts = RecordingHartPins.Create(2);
    private readonly Plic _plic;

    public PlicTests()
    {
        _plic = new Plic(_harts);
    }

    private static ulong Priority(int source) => (ulong)(4 * source);

    private static ulong Enable(int context, int source) => 0x2000UL + (ulong)(0x80 * context) + (ulong)(4 * (source / 32));

    private static ulong Threshold(int context) => 0x20_0000UL + (ulong)(0x1000 * context);

    private static ulong Claim(int context) => Threshold(context) + 4;

    private void EnableSource(int context, int source)
    {
        ulong offset = Enable(context, source);
        _plic.Write(offset, 4, _plic.Read(offset, 4) | (1UL << (source % 32)));
    }

    [Fact]
    public void ClaimReturnsTheHighestPrioritySourceAndCompleteRetriggersALineStillHigh()
    {
        _plic.Write(Priority(10), 4, 1);
        _plic.Write(Priority(11), 4, 5);
        EnableSource(1, 10);
        EnableSource(1, 11);

        _plic.GetLine(10).Set(true);
        Assert.True(_harts[0].IsPending(MipBits.Seip));
        Assert.False(_harts[0].IsPending(MipBits.Meip));
        _plic.GetLine(11).Set(true);
        Assert.Equal((1UL << 10) | (1UL << 11), _plic.Read(0x1000, 4));

        Assert.Equal(11UL, _plic.Read(Claim(1), 4));
        Assert.Equal(1UL << 10, _plic.Read(0x1000, 4)); // claimed: no longer pending
        Assert.True(_harts[0].IsPending(MipBits.Seip)); // source 10 still waits

        Assert.Equal(10UL, _plic.Read(Claim(1), 4));
        Assert.False(_harts[0].IsPending(MipBits.Seip));
        Assert.Equal(0UL, _plic.Read(Claim(1), 4));

        // Source 11's device dropped its line while being served: completing it leaves nothing pending.
        _plic.GetLine(11).Set(false);
        _plic.Write(Claim(1), 4, 11);
        Assert.False(_harts[0].IsPending(MipBits.Seip));

        // Source 10 is still high at completion: it becomes pending again (level-triggered).
        _plic.Write(Claim(1), 4, 10);
        Assert.True(_harts[0].IsPending(MipBits.Seip));
        Assert.Equal(10UL, _plic.Read(Claim(1), 4));
    }

    [Fact]
    public void AClaimedSourceIsNotPendingAgainUntilCompletedEvenIfItsLineToggles()
    {
        _plic.Write(Priority(3), 4, 1);
        EnableSource(0, 3);
        IInterruptLine line = _plic.GetLine(3);
        line.Set(true);
        Assert.Equal(3UL, _plic.Read(Claim(0), 4));
        line.Set(false);
        line.Set(true);
        Assert.Equal(0UL, _plic.Read(0x1000, 4));
        Assert.False(_harts[0].IsPending(MipBits.Meip));
        Assert.Equal(0UL, _plic.Read(Claim(0), 4));

        _plic.Write(Claim(0), 4, 3);
        Assert.True(_harts[0].IsPending(MipBits.Meip));
    }

    [Fact]
    public void ALineDroppedBeforeTheClaimWithdrawsTheRequest()
    {
        _plic.Write(Priority(5), 4, 2);
        EnableSource(1, 5);
        _plic.GetLine(5).Set(true);
        Assert.True(_harts[0].IsPending(MipBits.Seip));
        _plic.GetLine(5).Set(false);
        Assert.False(_harts[0].IsPending(MipBits.Seip));
        Assert.Equal(0UL, _plic.Read(Claim(1), 4));
    }

    [Fact]
    public void ThresholdMasksPrioritiesAtOrBelowIt()
    {
        _plic.Write(Priority(7), 4, 3);
        EnableSource(1, 7);
        _plic.Write(Threshold(1), 4, 3);
        _plic.GetLine(7).Set(true);
        Assert.False(_harts[0].IsPending(MipBits.Seip));
        Assert.Equal(0UL, _plic.Read(Claim(1), 4));

        _plic.Write(Threshold(1), 4, 2);
        Assert.True(_harts[0].IsPending(MipBits.Seip));
        Assert.Equal(2UL, _plic.Read(Threshold(1), 4));

        _plic.Write(Threshold(1), 4, 0xFFFF_FFFF); // only 3 bits exist
        Assert.Equal(7UL, _plic.Read(Threshold(1), 4));
        Assert.False(_harts[0].IsPending(MipBits.Seip));
    }

    [Fact]
    public void PriorityZeroNeverInterruptsAndPrioritiesHaveThreeBits()
    {
        EnableSource(1, 9);
        _plic.GetLine(9).Set(true);
        Assert.False(_harts[0].IsPending(MipBits.Seip));
        _plic.Write(Priority(9), 4, 0xF);
        Assert.Equal(7UL, _plic.Read(Priority(9), 4));
        Assert.True(_harts[0].IsPending(MipBits.Seip));

        _plic.Write(Priority(0), 4, 7); // source 0 does not exist
        Assert.Equal(0UL, _plic.Read(Priority(0), 4));
    }

    [Fact]
    public void EqualPrioritiesAreClaimedLowestIdFirst()
    {
        foreach (int source in new[] { 40, 33, 95 })
        {
            _plic.Write(Priority(source), 4, 4);
            EnableSource(3, source);
            _plic.GetLine(source).Set(true);
        }

        Assert.Equal(33UL, _plic.Read(Claim(3), 4));
        Assert.Equal(40UL, _plic.Read(Claim(3), 4));
        Assert.Equal(95UL, _plic.Read(Claim(3), 4));
        Assert.Equal(0UL, _plic.Read(Claim(3), 4));
    }

    [Fact]
    public void ContextsRouteToTheirHartAndMode()
    {
        _plic.Write(Priority(1), 4, 1);
        _plic.Write(Priority(2), 4, 1);
        EnableSource(2, 1); // hart 1, M-mode
        EnableSource(3, 2); // hart 1, S-mode

        _plic.GetLine(1).Set(true);
        Assert.True(_harts[1].IsPending(MipBits.Meip));
        Assert.False(_harts[1].IsPending(MipBits.Seip));
        Assert.Equal(0UL, _harts[0].Mip);

        _plic.GetLine(2).Set(true);
        Assert.True(_harts[1].IsPending(MipBits.Seip));

        // The S context cannot claim what only the M context enables.
        Assert.Equal(2UL, _plic.Read(Claim(3), 4));
        Assert.Equal(0UL, _plic.Read(Claim(3), 4));
        Assert.Equal(1UL, _plic.Read(Claim(2), 4));
        Assert.Equal(0UL, _harts[1].Mip);
    }

    [Fact]
    public void ASourceEnabledInTwoContextsIsDeliveredToTheFirstClaimer()
    {
        _plic.Write(Priority(10), 4, 1);
        EnableSource(1, 10);
        EnableSource(3, 10);
        _plic.GetLine(10).Set(true);
        Assert.True(_harts[0].IsPending(MipBits.Seip));
        Assert.True(_harts[1].IsPending(MipBits.Seip));

        Assert.Equal(10UL, _plic.Read(Claim(3), 4));
        Assert.False(_harts[0].IsPending(MipBits.Seip));
        Assert.Equal(0UL, _plic.Read(Claim(1), 4));
    }

    [Fact]
    public void CompletionForASourceNotEnabledInTheContextIsIgnored()
    {
        _plic.Write(Priority(4), 4, 1);
        EnableSource(1, 4);
        _plic.GetLine(4).Set(true);
        Assert.Equal(4UL, _plic.Read(Claim(1), 4));

        _plic.Write(Claim(3), 4, 4); // hart 1's S context never enabled source 4
        Assert.Equal(0UL, _plic.Read(Claim(1), 4));
        _plic.Write(Claim(1), 4, 4);
        Assert.Equal(4UL, _plic.Read(Claim(1), 4));
    }

    [Fact]
    public void EnableBitsForMissingSourcesReadAsZero()
    {
        _plic.Write(Enable(1, 0), 4, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFEUL, _plic.Read(Enable(1, 0), 4));
        _plic.Write(Enable(1, 64), 4, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFFUL, _plic.Read(Enable(1, 64), 4)); // sources 64..95 exist
        _plic.Write(Enable(1, 96), 4, 0xFFFF_FFFF);
        Assert.Equal(0UL, _plic.Read(Enable(1, 96), 4));
    }

    [Fact]
    public void OutputPinsAreOnlyDrivenOnChange()
    {
        _plic.Write(Priority(10), 4, 1);
        EnableSource(1, 10);
        _plic.GetLine(10).Set(true);
        _plic.GetLine(10).Set(true);
        _plic.Write(Priority(10), 4, 2);
        Assert.Equal([(MipBits.Seip, true)], _harts[0].Calls);
    }

    [Theory]
    [InlineData(0x20_0000UL + (0x1000UL * 4), 4)] // context 4 does not exist with two harts
    [InlineData(0x2000UL + (0x80UL * 4), 4)]
    [InlineData(0x1002UL, 4)]
    [InlineData(0x1000UL, 2)]
    [InlineData(0x3FF_FFFCUL, 4)]
    public void GuestAccessesAnywhereNeverThrowAndReadZero(ulong offset, int size)
    {
        _plic.Write(offset, size, ulong.MaxValue);
        Assert.Equal(0UL, _plic.Read(offset, size));
        Assert.Equal(0UL, _harts[0].Mip | _harts[1].Mip);
    }

    [Fact]
    public void GetLineRejectsSourceZeroAndOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _plic.GetLine(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _plic.GetLine(96));
        Assert.NotNull(_plic.GetLine(95));
    }

    [Fact]
    public void ConcurrentLinesClaimsAndCompletionsLeaveConsistentState()
    {
        const int Sources = 8;
        for (int source = 1; source <= Sources; source++)
        {
            _plic.Write(Priority(source), 4, 1);
            EnableSource(1, source);
            EnableSource(3, source);
        }

        // Devices toggle their lines while two "harts" claim and complete, all at once.
        Parallel.For(0, 4, worker =>
        {
            for (int n = 0; n < 5000; n++)
            {
                if (worker < 2)
                {
                    _plic.GetLine(1 + ((n + worker) % Sources)).Set((n & 1) == 0);
                }
                else
                {
                    int context = worker == 2 ? 1 : 3;
                    ulong claimed = _plic.Read(Claim(context), 4);
                    if (claimed != 0)
                    {
                        _plic.Write(Claim(context), 4, claimed);
                    }
                }
            }
        });

        for (int source = 1; source <= Sources; source++)
        {
            _plic.GetLine(source).Set(false);
        }

        // Everything completed and every line low: nothing may be left pending or claimed.
        Assert.Equal(0UL, _plic.Read(0x1000, 4));
        Assert.Equal(0UL, _harts[0].Mip | _harts[1].Mip);
        for (int source = 1; source <= Sources; source++)
        {
            _plic.GetLine(source).Set(true);
        }

        var seen = new List<ulong>();
        for (ulong id; (id = _plic.Read(Claim(1), 4)) != 0;)
        {
            seen.Add(id);
        }

        Assert.Equal([1UL, 2, 3, 4, 5, 6, 7, 8], seen);
    }
}
