<?php
// Runs PHP's gen_stub.php on the given stubs with Debian's php-parser (package php-parser,
// /usr/share/php/PhpParser) instead of the copy gen_stub.php would download.
//
//   php gen_arginfo.php <path to gen_stub.php> <scratch dir> <stub.php>...
//
// gen_stub.php looks for "PHP-Parser-<version>/lib/PhpParser" beside itself; a copy of it in the
// scratch dir gets that directory as a symlink to the Debian one.
if ($argc < 4) {
    fwrite(STDERR, "usage: php gen_arginfo.php <gen_stub.php> <scratch dir> <stub.php>...\n");
    exit(2);
}
[, $genStub, $scratch] = $argv;
$stubs = array_slice($argv, 3);
$parser = '/usr/share/php/PhpParser';
if (!is_dir($parser)) {
    fwrite(STDERR, "$parser is missing: apt-get install php-parser\n");
    exit(1);
}
$source = file_get_contents($genStub);
if ($source === false || !preg_match('/\$version = "([0-9.]+)";/', $source, $m)) {
    fwrite(STDERR, "cannot read the php-parser version gen_stub.php expects from $genStub\n");
    exit(1);
}
$lib = "$scratch/PHP-Parser-{$m[1]}/lib";
if (!is_dir($lib) && !mkdir($lib, 0777, true)) {
    exit(1);
}
if (!is_link("$lib/PhpParser") && !symlink($parser, "$lib/PhpParser")) {
    exit(1);
}
copy($genStub, "$scratch/gen_stub.php");
$cmd = array_merge([PHP_BINARY, "$scratch/gen_stub.php", '-f'], $stubs);
passthru(implode(' ', array_map('escapeshellarg', $cmd)), $status);
exit($status);
