using System.Text.Json;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>A run on an overloaded host is not saved, not compared, and its floor ratios are not printed.</summary>
public sealed class OverloadedHostTests : IDisposable
{
    /// <summary>A cache-line round trip of 7.5 ms, as found in a baseline saved on an overloaded host.</summary>
    private static readonly CalibrationResult Overloaded = new() { CacheLineRoundTripNs = 7_515_087, SocketRoundTripNs = 90_000 };

    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SuiteReport OverloadedReport()
    {
        var usable = ReportFiles.Report(ReportFiles.Row("barrier 100 -w 1", 10, 11, 12));
        return new SuiteReport { Command = usable.Command, Size = usable.Size, Host = usable.Host, Calibration = Overloaded, Rows = usable.Rows };
    }

    [Theory]
    [InlineData(7_515_087, true)]
    [InlineData(double.PositiveInfinity, true)]
    [InlineData(10_000, true)]
    [InlineData(9_999, false)]
    [InlineData(250, false)]
    [InlineData(double.NaN, false)]
    public void Overloaded_means_a_cache_line_round_trip_of_10_us_or_more(double ns, bool overloaded)
    {
        var floors = new CalibrationResult { CacheLineRoundTripNs = ns, SocketRoundTripNs = 40_000 };
        Assert.Equal(overloaded, floors.Overloaded is not null);
        if (overloaded)
        {
            Assert.StartsWith("host overloaded: ", floors.Overloaded, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Save_refuses_a_run_from_an_overloaded_host_and_writes_nothing()
    {
        string path = Path.Combine(_dir, "base.json");
        var e = Assert.Throws<OverloadedHostException>(() => OverloadedReport().Save(path));
        Assert.Contains("7515087 ns", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_baseline_saved_on_an_overloaded_host_is_refused_when_loaded()
    {
        // A file as one was found (written before the refusal existed): patch a good one.
        string path = Path.Combine(_dir, "old.json");
        ReportFiles.Report(ReportFiles.Row("barrier 100 -w 1", 10, 11, 12)).Save(path);
        var doc = JsonDocument.Parse(File.ReadAllText(path));
        string text = File.ReadAllText(path).Replace($"\"cache_line_round_trip_ns\": {doc.RootElement.GetProperty("calibration").GetProperty("cache_line_round_trip_ns").GetRawText()}", "\"cache_line_round_trip_ns\": 7515087", StringComparison.Ordinal);
        Assert.Contains("7515087", text, StringComparison.Ordinal);
        File.WriteAllText(path, text);
        var e = Assert.Throws<BaselineException>(() => SuiteReport.Load(path));
        Assert.Contains("overloaded", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratios_to_an_overloaded_floor_are_not_printed_as_numbers()
    {
        var table = TextReport.Table(OverloadedReport(), null, null);
        int cacheLine = Array.IndexOf(table[0], "x cache line");
        int socket = Array.IndexOf(table[0], "x socket");
        Assert.Equal("overloaded", table[1][cacheLine]);
        Assert.Equal("overloaded", table[1][socket]);
    }

    [Fact]
    public void A_run_that_must_save_or_compare_stops_after_calibrating_an_overloaded_host_before_any_row()
    {
        using var progress = new StringWriter();
        var settings = new SuiteSettings
        {
            Size = SuiteSize.Quick,
            Counters = false,
            Calibrate = true,
            RefuseOverloadedHost = true,
            MeasureFloors = () => Overloaded,
            DumpDirectory = _dir,
            Progress = progress,
        };
        var rows = SuiteMatrix.Filter(SuiteMatrix.Rows(SuiteSize.Quick), ["barrier*-w 1"]);
        var e = Assert.Throws<OverloadedHostException>(() => SuiteRunner.Run(rows, settings, "suite --quick --save x"));
        Assert.StartsWith("host overloaded: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("[1/", progress.ToString(), StringComparison.Ordinal);
    }
}
