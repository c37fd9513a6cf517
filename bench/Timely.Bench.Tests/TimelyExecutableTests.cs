using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>
/// Which program the suite and the launcher start for a build of <c>timely</c>: a Native AOT
/// publish has an executable and no dll (under any name it was copied to), a JIT build a dll
/// started through <c>dotnet</c> or its apphost.
/// </summary>
public sealed class TimelyExecutableTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("timely-exe-test-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void A_native_build_started_under_another_name_starts_itself_again()
    {
        string executable = Path.Combine(_folder.FullName, "timely-aot");
        var exe = TimelyExecutable.Resolve(executable, timelyIsEntry: true, ownDll: Path.Combine(_folder.FullName, "timely.dll"));

        Assert.Equal(executable, exe.FileName);
        Assert.Empty(exe.PrefixArguments);
        Assert.Equal(_folder.FullName, exe.Directory);
    }

    [Fact]
    public void A_build_started_through_dotnet_starts_its_dll_through_dotnet()
    {
        string dll = Touch("timely.dll");
        var exe = TimelyExecutable.Resolve("/usr/share/dotnet/dotnet", timelyIsEntry: true, ownDll: dll);

        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(exe.FileName));
        Assert.Equal([dll], exe.PrefixArguments);
    }

    [Fact]
    public void Under_a_test_host_timely_is_its_dll_not_the_host()
    {
        string dll = Touch("timely.dll");
        var exe = TimelyExecutable.Resolve(Path.Combine(_folder.FullName, "testhost"), timelyIsEntry: false, ownDll: dll);

        Assert.Equal([dll], exe.PrefixArguments);
    }

    [Fact]
    public void A_native_publish_folder_is_its_executable()
    {
        string executable = Touch("timely");
        var exe = TimelyExecutable.FromPath(_folder.FullName);

        Assert.Equal(executable, exe.FileName);
        Assert.Empty(exe.PrefixArguments);
    }

    [Fact]
    public void A_folder_with_a_dll_is_the_dll_started_through_dotnet()
    {
        Touch("timely");
        string dll = Touch("timely.dll");
        var exe = TimelyExecutable.FromPath(_folder.FullName);

        Assert.Equal([dll], exe.PrefixArguments);
    }

    [Fact]
    public void A_folder_without_timely_is_one_line_naming_the_path()
    {
        var e = Assert.Throws<FileNotFoundException>(() => TimelyExecutable.FromPath(_folder.FullName));

        Assert.Contains(_folder.FullName, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    private string Touch(string name)
    {
        string path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, [0]);
        return path;
    }
}
