# The Windows sample service: writes its version and greeting to
# %SYSTEMDRIVE%\Mesosphere\var\dcos-hello\status.txt (or under
# $env:DCOS_HELLO_ROOT) every 30 seconds, so an operator (and the tests)
# can see which release runs.  Windows PowerShell 5.1 syntax only.
param(
	[string]$VersionFile = 'etc/hello-version.txt'
)
$ErrorActionPreference = 'Stop'
$pkg = Split-Path -Parent $PSScriptRoot
$version = (Get-Content -LiteralPath (Join-Path $pkg $VersionFile) -TotalCount 1).Trim()
$root = $env:DCOS_HELLO_ROOT
if (-not $root) { $root = Join-Path $env:SystemDrive 'Mesosphere\var\dcos-hello' }
New-Item -ItemType Directory -Force -Path $root | Out-Null
$status = Join-Path $root 'status.txt'
while ($true) {
	$text = "dcos-hello-windows $version`r`n$($env:DCOS_HELLO_GREETING)`r`n"
	[IO.File]::WriteAllText($status, $text)
	if ($env:DCOS_HELLO_ONCE) { break }
	Start-Sleep -Seconds 30
}
