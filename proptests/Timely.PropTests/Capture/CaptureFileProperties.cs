using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Capture;

namespace Timely.PropTests.Capture;

/// <summary>
/// Capture files cut at any byte offset or with a damaged length prefix or tag fail
/// <see cref="CaptureFiles.ReadChecked{T, TData}"/> (what <c>timely replay-file</c> runs first)
/// with an <see cref="InvalidDataException"/> that names the file; intact files read back whole.
/// </summary>
public sealed class CaptureFileProperties : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timely-capture-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A valid capture: Messages and frontier moves over a few times, ending empty.</summary>
    private static Arbitrary<(List<Event<ulong, int>> Events, int Cut)> Files() =>
        Gen.Zip(Gen.Choose(0, 3).ArrayOf().Select(a => a.Take(8).ToArray()), Gen.Choose(0, int.MaxValue))
            .Select(t =>
            {
                var events = new List<Event<ulong, int>>();
                ulong time = 0;
                foreach (int step in t.Item1)
                {
                    events.Add(new Event<ulong, int>.Messages(time, [step, (int)time]));
                    if (step > 0)
                    {
                        events.Add(new Event<ulong, int>.Progress([(time, -1), (time + (ulong)step, 1)]));
                        time += (ulong)step;
                    }
                }

                events.Add(new Event<ulong, int>.Progress([(time, -1)]));
                return (events, t.Item2);
            })
            .ToArbitrary();

    private string Write(List<Event<ulong, int>> events, string name)
    {
        string path = Path.Combine(_dir, name);
        using var writer = new EventWriter<ulong, int>(File.Create(path));
        events.ForEach(writer.Push);
        return path;
    }

    [Property(MaxTest = 60)]
    public Property Intact_files_read_back_whole_and_every_truncation_fails_naming_the_file()
    {
        return Prop.ForAll(Files(), f =>
        {
            string path = Write(f.Events, "whole.bin");
            Assert.Equal(f.Events, CaptureFiles.ReadChecked<ulong, int>(path));

            byte[] bytes = File.ReadAllBytes(path);
            int cut = f.Cut % bytes.Length;
            string truncated = Path.Combine(_dir, "cut.bin");
            File.WriteAllBytes(truncated, bytes[..cut]);
            var e = Assert.Throws<InvalidDataException>(() => CaptureFiles.ReadChecked<ulong, int>(truncated));
            Assert.StartsWith(truncated + ": ", e.Message, StringComparison.Ordinal);
            Assert.True(
                e.Message.Contains("ended inside the record", StringComparison.Ordinal) || e.Message.Contains("(P5: truncated", StringComparison.Ordinal),
                e.Message);
        });
    }

    [Property(MaxTest = 60)]
    public Property Damaged_length_or_tag_fails_naming_the_file_and_offset()
    {
        return Prop.ForAll(Files(), f =>
        {
            byte[] bytes = File.ReadAllBytes(Write(f.Events, "whole.bin"));
            // Damage the first record: a huge length (bytes 4..7), or a tag other than 0 and 1 (byte 8).
            bool damageLength = f.Cut % 2 == 0;
            if (damageLength)
            {
                bytes[4 + (f.Cut / 2 % 4)] = 0x7f;
            }
            else
            {
                bytes[8] = (byte)(2 + (f.Cut / 2 % 250));
            }

            string path = Path.Combine(_dir, "damaged.bin");
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => CaptureFiles.ReadChecked<ulong, int>(path));
            Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
            Assert.Contains(damageLength ? "exceeds the maximum record length" : "unknown Event variant tag", e.Message, StringComparison.Ordinal);
            Assert.Contains("stream offset 0", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Missing_file_is_named()
    {
        string path = Path.Combine(_dir, "absent.bin");
        var e = Assert.Throws<InvalidDataException>(() => CaptureFiles.ReadChecked<ulong, int>(path));
        Assert.Equal($"{path}: no such file", e.Message);
    }
}
